"""The dtype the networks compute in when sampling: a stage's and every parallel rank's calls
run under one autocast, so all paths share one set of numerics.

Training stays float32 (on this CPU bf16 backward was slower: 1.0-1.2 s a DiT step against
0.8-0.9). Sampling in bfloat16 uses the CPU's AMX tiles (RayFlow 1.37x faster a request);
guidance and the sampler's sums stay float32, since a network's output is returned as float32.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import torch

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def check_dtype(name: str) -> None:
    if name not in DTYPES:
        raise ValueError(f"compute dtype must be one of {', '.join(DTYPES)}, got {name!r}")


def computing(name: str, device: str = "cpu") -> AbstractContextManager:
    """Autocast to the dtype `name` on `device` (float32: autocast off)."""
    dtype = DTYPES[name]
    return torch.autocast(device, dtype=dtype, enabled=dtype != torch.float32)


def in_dtype(model: Callable[..., torch.Tensor], name: str) -> Callable[..., torch.Tensor]:
    """`model` called under `computing(name)` on its input's device, its output as float32."""

    def call(**kwargs: torch.Tensor) -> torch.Tensor:
        with computing(name, kwargs["x"].device.type):
            return model(**kwargs).float()

    return call
