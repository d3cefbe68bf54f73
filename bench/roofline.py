"""Family 6, distance to the limit: achieved FLOP/s of each branch's forward against the torch
matmul peak measured in the same run, at the stages' thread count (1, pinned for bit-identical
embedded/served output) and at the batch a stage runs (CFG pair) and a step-batched one (x4)."""

from __future__ import annotations

import os

import torch

from bench.common import BenchConfig, Report, Stats, Table, measure
from bench.flops import forward_flops
from bench.workload import local_stages, request, step_inputs
from reelflow.pipeline.generation.stages import INTRA_OP_THREADS


def matmul_peak(threads: int, repeats: int) -> tuple[float, int]:
    """Best FLOP/s of a square fp32 matmul over a few sizes, and the size that gave it."""
    torch.set_num_threads(threads)
    best = (0.0, 0)
    for n in (256, 512, 1024, 2048):
        a, b = torch.randn(n, n), torch.randn(n, n)
        stats = measure(lambda a=a, b=b: torch.mm(a, b), repeats, warmup=2)
        best = max(best, (2 * n**3 / stats.min, n))
    return best


class _Recorder(torch.nn.Module):
    """Stands in for a stage's network for one call and records the forward's arguments."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net, self.kwargs = net, {}

    def forward(self, **kwargs):
        self.kwargs = kwargs
        return self.net(**kwargs)


def forward_arguments(stage, call) -> dict:
    """The exact keyword arguments a stage passes its network (CFG doubled, guidance > 1)."""
    real = stage.model
    recorder = _Recorder(real)
    stage.model = recorder
    try:
        call()
    finally:
        stage.model = real
    return recorder.kwargs


def _repeat(kwargs: dict, times: int) -> dict:
    """A step-batched forward: `times` jobs' CFG pairs stacked along the batch axis. The index
    tensors come per clip ((T, Ta) / (Ta,)) or, for windowed calls, per row; only per-row
    ones are stacked."""
    rows = kwargs["x"].shape[0]
    return {k: _stack(v, times) if _per_row(k, v, rows) else v for k, v in kwargs.items()}


def _per_row(name: str, value, rows: int) -> bool:
    if not isinstance(value, torch.Tensor):
        return False
    per_clip_ndim = _PER_CLIP_NDIM.get(name)
    if per_clip_ndim is not None:
        return value.ndim > per_clip_ndim
    return value.ndim > 0 and value.shape[0] == rows


def _stack(value: torch.Tensor, times: int) -> torch.Tensor:
    return value.repeat(times, *([1] * (value.ndim - 1)))


_PER_CLIP_NDIM = {"audio_to_frame": 2, "frame_of_token": 1}  # their ndim without a batch axis


def run(config: BenchConfig) -> Report:
    repeats = config.repeats
    threads_all = os.cpu_count() or 1  # earlier families may have pinned this process
    peak_all, n_all = matmul_peak(threads_all, repeats)
    stages = local_stages()  # pins INTRA_OP_THREADS
    peak, n_peak = matmul_peak(INTRA_OP_THREADS, repeats)
    inputs = step_inputs(stages, request(config.steps))
    o, cond = inputs.prepared.options, inputs.cond
    calls = {
        "temporal": (
            stages.temporal,
            lambda: stages.temporal.velocity(
                inputs.xv, inputs.xa, 0.5, cond, inputs.keyframes, o.guidance
            ),
        ),
        "audio": (
            stages.audio,
            lambda: stages.audio.velocity(inputs.xa, inputs.xv, 0.5, cond, o.guidance),
        ),
        "spatial": (
            stages.spatial,
            lambda: stages.spatial.velocity(inputs.xv, 0.5, cond, o.guidance),
        ),
    }
    rows, data = [], {"matmul_peak_flops": peak, "matmul_peak_all_threads": peak_all}
    for name, (stage, call) in calls.items():
        kwargs = forward_arguments(stage, call)
        for jobs in (1, 4):
            batch = _repeat(kwargs, jobs)
            net = stage.model
            with torch.inference_mode():
                flops = forward_flops(lambda net=net, batch=batch: net(**batch))
                stats: Stats = measure(lambda net=net, batch=batch: net(**batch), repeats)
            achieved = flops / stats.median
            rows.append(
                (
                    name,
                    f"{jobs} job ({2 * jobs} rows)" if jobs == 1 else f"{jobs} jobs ({2 * jobs})",
                    f"{flops / 1e9:.2f}",
                    stats.ms(),
                    f"{achieved / 1e9:.1f}",
                    f"{achieved / peak * 100:.0f}%",
                )
            )
            data[f"{name}_x{jobs}"] = {"flops": flops, "seconds": stats, "flops_per_s": achieved}
    return Report(
        family="roofline",
        tables=(
            Table(
                f"Distance to the limit: branch forwards vs the matmul peak "
                f"({INTRA_OP_THREADS} torch thread; target ≥ 30% at batch)",
                ("branch", "batch", "GFLOP", "ms median (min–max)", "GFLOP/s", "of peak"),
                tuple(rows),
                (
                    f"Matmul peak, fp32, measured in this run: {peak / 1e9:.1f} GFLOP/s at "
                    f"{INTRA_OP_THREADS} thread (n={n_peak}); {peak_all / 1e9:.1f} GFLOP/s at "
                    f"{threads_all} threads (n={n_all}) for reference. FLOPs: "
                    "FlopCounterMode for every op, attention counted analytically.",
                ),
            ),
        ),
        data=data,
    )
