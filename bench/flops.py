"""Counting what a forward costs from the model code itself: FLOPs (torch's FlopCounterMode
for every op, plus attention counted analytically so it is the same on every backend) and,
on the meta device, the peak of live activation bytes."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode


@dataclass
class AttentionFlops:
    flops: int = 0


@contextlib.contextmanager
def counted_attention(flash_on_meta: bool = True) -> Iterator[AttentionFlops]:
    """Patch scaled_dot_product_attention to add 4·B·H·N·L·d FLOPs (QKᵀ and AV) per call.

    On the meta device it returns the output shape without the math fallback, i.e. a
    flash-attention kernel: no N×L score matrix is ever live (what a GPU deployment runs).
    """
    counter = AttentionFlops()
    original = F.scaled_dot_product_attention

    def patched(q, k, v, *args, **kwargs):
        *batch, n, d = q.shape
        size = 1
        for b in batch:
            size *= b
        counter.flops += 2 * size * n * k.shape[-2] * (d + v.shape[-1])
        if flash_on_meta and q.is_meta:
            return q.new_empty((*q.shape[:-1], v.shape[-1]))
        return original(q, k, v, *args, **kwargs)

    F.scaled_dot_product_attention = patched
    try:
        yield counter
    finally:
        F.scaled_dot_product_attention = original


def forward_flops(fn: Callable[[], Any]) -> int:
    """FLOPs of `fn()`: matmuls etc. from FlopCounterMode, attention analytically."""
    with counted_attention() as attention, FlopCounterMode(display=False) as counter:
        fn()
    other = sum(
        count
        for op, count in counter.get_flop_counts()["Global"].items()
        if "scaled_dot_product" not in str(op)
    )
    return other + attention.flops


class LiveBytes(TorchDispatchMode):
    """Peak bytes of tensors created inside the mode and still referenced (meta or real).

    Only ops whose output does not alias an input allocate; a tensor's bytes are released
    when Python drops it (inference mode keeps no autograd graph alive)."""

    def __init__(self) -> None:
        super().__init__()
        self.live = 0
        self.peak = 0

    def _release(self, size: int) -> None:
        self.live -= size

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        returns = func._schema.returns
        aliases = any(r.alias_info is not None for r in returns)
        if not aliases:
            for tensor in out if isinstance(out, tuple | list) else (out,):
                if isinstance(tensor, torch.Tensor):
                    size = tensor.numel() * tensor.element_size()
                    self.live += size
                    self.peak = max(self.peak, self.live)
                    weakref.finalize(tensor, self._release, size)
        return out
