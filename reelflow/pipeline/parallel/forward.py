"""One branch forward over a whole mesh: the batch split between the CFG halves, each half's
sequence split over its Ulysses ranks, the halves gathered back once.

A guided forward's batch is the conditional rows then the unconditional rows
(sampling.guided_velocity), so splitting it in two at the middle is CFG parallelism: each half
runs on its own rank set and one all-gather per forward recombines them; `guide` then runs on
the gathered result as in one process. An unguided batch is split the same way (plain data
parallelism); an odd batch is padded with its last row. Every rank computes in the preset's
dtype (model/precision.py), as one process does.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from reelflow.pipeline.model.precision import computing
from reelflow.pipeline.parallel.branches import audio_forward, spatial_forward, temporal_forward
from reelflow.pipeline.parallel.mesh import Mesh
from reelflow.pipeline.parallel.sequence import Shard, gather

FORWARDS = {"spatial": spatial_forward, "temporal": temporal_forward, "audio": audio_forward}
# per-batch layouts a network also accepts without the batch axis: given batched here, so that
# every tensor argument is split along dim 0
_LAYOUTS = {"audio_to_frame": 3, "frame_of_token": 2}


def batched(kwargs: dict[str, Any]) -> dict[str, Any]:
    batch = kwargs["x"].shape[0]
    out = dict(kwargs)
    for name, ndim in _LAYOUTS.items():
        value = out.get(name)
        if isinstance(value, torch.Tensor) and value.ndim == ndim - 1:
            out[name] = value.expand(batch, *value.shape)
    return out


def mesh_forward(
    mesh: Mesh, branch: str, model: nn.Module, kwargs: dict[str, Any], dtype: str = "float32"
):
    """What every rank of the mesh runs for one forward, computing in `dtype`; all ranks return
    the full output (float32)."""
    if branch not in FORWARDS:
        raise ValueError(f"unknown branch {branch!r}; known: {', '.join(FORWARDS)}")
    kwargs = batched(kwargs)
    batch = kwargs["x"].shape[0]
    half = Shard(batch, mesh.config.cfg, mesh.cfg_rank) if mesh.cfg_group is not None else None
    if half is not None:
        kwargs = {
            k: half.take(v, 0) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()
        }
    with computing(dtype, kwargs["x"].device.type):
        if mesh.ulysses_group is None:
            out = model(**kwargs)
        else:
            out = FORWARDS[branch](model, mesh.ulysses_group, **kwargs)
    out = out.float()
    if half is not None:
        out = gather(out, 0, mesh.cfg_group)[:batch]
    return out
