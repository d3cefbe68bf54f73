"""Family 4, cost growth: time and peak memory of an embedded request vs duration (2, 4, 8,
15 s at 64x64) and vs resolution (32, 64, 128 px at 2 s), with the fitted exponent.

Each point runs in a fresh process so its peak memory is its own. Timed runs use the stages'
heap policy; then large allocations are switched to mmap (freed memory leaves the resident
set), the kernel's peak (VmHWM) is reset before each memory run, and the figure is the peak
minus the resident set before.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from bench.common import BenchConfig, Report, Stats, Table, fit_exponent

DURATIONS = (2.0, 4.0, 8.0, 15.0)
SIDES = (32, 64, 128)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def child(duration: float, side: int, steps: int, repeats: int) -> dict:
    from bench.workload import local_stages, request, run_embedded

    stages = local_stages()
    req = request(steps, duration_s=duration, side=side)
    run_embedded(stages, req)  # warm-up
    totals, loops, temporal, audio, peaks = [], [], [], [], []
    for _ in range(repeats):
        result, total = run_embedded(stages, req)
        s = result.stage_seconds
        totals.append(total)
        loops.append(total - s["prompt_encoding"] - s["keyframes"] - s["muxing"])
        temporal.append(s["temporal"] / steps)
        audio.append(s["audio"] / steps)
    # Memory runs after the timed ones: the stages keep freed memory in the heap (a speed
    # policy, stages.keep_heap_warm), so switch glibc back to returning it before measuring.
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(-3, 65536)  # M_MMAP_THRESHOLD: large tensors mmap'd, unmapped when freed
    libc.mallopt(-1, 131072)  # M_TRIM_THRESHOLD
    libc.malloc_trim(0)
    for _ in range(repeats):
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        before = _status_kib("VmRSS")
        run_embedded(stages, req)
        peaks.append((_status_kib("VmHWM") - before) * 1024)
    return {
        "total_s": totals,
        "loop_s": loops,
        "temporal_step_s": temporal,
        "audio_step_s": audio,
        "peak_bytes": peaks,
    }


def step_flops(duration: float, side: int) -> float:
    """FLOPs of one joint step's temporal + audio forwards (CFG batch), counted from the code:
    the algorithmic growth, which contention cannot blur."""
    from bench.flops import forward_flops
    from bench.roofline import forward_arguments
    from bench.workload import request, step_inputs

    stages = _flop_stages()
    inputs = step_inputs(stages, request(2, duration_s=duration, side=side))
    o, cond = inputs.prepared.options, inputs.cond
    calls = (
        (
            stages.temporal,
            lambda: stages.temporal.velocity(
                inputs.xv, inputs.xa, 0.5, cond, inputs.keyframes, o.guidance
            ),
        ),
        (stages.audio, lambda: stages.audio.velocity(inputs.xa, inputs.xv, 0.5, cond, o.guidance)),
    )
    total = 0.0
    for stage, call in calls:
        kwargs = forward_arguments(stage, call)
        with torch.inference_mode():
            total += forward_flops(lambda stage=stage, kwargs=kwargs: stage.model(**kwargs))
    return total


_STAGES = []


def _flop_stages():
    from bench.workload import local_stages

    if not _STAGES:
        _STAGES.append(local_stages())
    return _STAGES[0]


def _point(duration: float, side: int, steps: int, repeats: int) -> dict:
    env = dict(os.environ)
    code = (
        "import json, sys; from bench.growth import child; "
        f"print(json.dumps(child({duration}, {side}, {steps}, {repeats})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sweep(name, xs, points, unit, flops) -> tuple[Table, dict]:
    stats = {
        key: [Stats.of(p[key]) for p in points]
        for key in ("total_s", "loop_s", "temporal_step_s", "audio_step_s", "peak_bytes")
    }
    stats["flops"] = [Stats.of([f]) for f in flops]
    rows = []
    for i, x in enumerate(xs):
        rows.append(
            (
                f"{x:g} {unit}",
                stats["total_s"][i].s(),
                stats["loop_s"][i].s(),
                stats["temporal_step_s"][i].ms(),
                stats["audio_step_s"][i].ms(),
                f"{stats['peak_bytes'][i].median / 2**20:.0f}",
                f"{flops[i] / 1e9:.1f}",
            )
        )
    exponents = {key: fit_exponent(xs, [s.median for s in values]) for key, values in stats.items()}
    rows.append(
        (
            "fitted exponent k (cost ~ x^k)",
            f"{exponents['total_s']:.2f}",
            f"{exponents['loop_s']:.2f}",
            f"{exponents['temporal_step_s']:.2f}",
            f"{exponents['audio_step_s']:.2f}",
            f"{exponents['peak_bytes']:.2f}",
            f"{exponents['flops']:.2f}",
        )
    )
    header = (
        name,
        "total s",
        "denoising loop s",
        "temporal ms/step",
        "audio ms/step",
        "peak MiB (above idle)",
        "GFLOP/step (T+A)",
    )
    return Table(f"Cost growth vs {name}", header, tuple(rows)), {
        "x": list(xs),
        "stats": stats,
        "exponents": exponents,
    }


def run(config: BenchConfig) -> Report:
    # Per-step cost is what grows; the quick mode takes fewer steps and runs per point.
    steps, repeats = (2, 2) if config.quick else (config.steps // 2, 3)
    by_duration = [_point(d, 64, steps, repeats) for d in DURATIONS]
    by_side = [_point(2.0, s, steps, repeats) for s in SIDES]
    duration_flops = [step_flops(d, 64) for d in DURATIONS]
    side_flops = [step_flops(2.0, s) for s in SIDES]
    duration_table, duration_data = _sweep("duration", DURATIONS, by_duration, "s", duration_flops)
    side_table, side_data = _sweep("resolution (square side)", SIDES, by_side, "px", side_flops)
    k = duration_data["exponents"]["loop_s"]
    linear = (DURATIONS[-1] / DURATIONS[0]) ** (k - 1.0)
    note = (
        f"Duration: the loop grows as duration^{k:.2f}; at 15 s vs 2 s that is {linear:.2f}× "
        "a linear extrapolation (target ≤ 1.2×); the counted FLOPs grow as duration^"
        f"{duration_data['exponents']['flops']:.2f}. Resolution exponents are per side "
        "(pixels grow as side², so k = 2 is linear in pixels). "
        f"{steps} steps, {repeats} runs per point after a warm-up, one process per point."
    )
    duration_table = Table(
        duration_table.title, duration_table.header, duration_table.rows, (note,)
    )
    return Report(
        family="growth",
        tables=(duration_table, side_table),
        data={"duration": duration_data, "resolution": side_data, "vs_linear_at_15s": linear},
    )
