"""Family 4, cost growth: time and peak memory of an embedded request vs duration (2, 4, 8,
15 s at 64x64) and vs resolution (32, 64, 128 px at 2 s), with the fitted exponent.

Each point runs in a fresh process so its peak memory is its own: large allocations are
mmap'd (MALLOC_MMAP_THRESHOLD_) so freed memory leaves the resident set, the kernel's peak
(VmHWM) is reset before each run, and the figure is the peak minus the resident set before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        before = _status_kib("VmRSS")
        result, total = run_embedded(stages, req)
        peaks.append((_status_kib("VmHWM") - before) * 1024)
        s = result.stage_seconds
        totals.append(total)
        loops.append(total - s["prompt_encoding"] - s["keyframes"] - s["muxing"])
        temporal.append(s["temporal"] / steps)
        audio.append(s["audio"] / steps)
    return {
        "total_s": totals,
        "loop_s": loops,
        "temporal_step_s": temporal,
        "audio_step_s": audio,
        "peak_bytes": peaks,
    }


def _point(duration: float, side: int, steps: int, repeats: int) -> dict:
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    code = (
        "import json, sys; from bench.growth import child; "
        f"print(json.dumps(child({duration}, {side}, {steps}, {repeats})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sweep(name, xs, points, unit) -> tuple[Table, dict]:
    stats = {
        key: [Stats.of(p[key]) for p in points]
        for key in ("total_s", "loop_s", "temporal_step_s", "audio_step_s", "peak_bytes")
    }
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
        )
    )
    header = (
        name,
        "total s",
        "denoising loop s",
        "temporal ms/step",
        "audio ms/step",
        "peak MiB (above idle)",
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
    duration_table, duration_data = _sweep("duration", DURATIONS, by_duration, "s")
    side_table, side_data = _sweep("resolution (square side)", SIDES, by_side, "px")
    k = duration_data["exponents"]["loop_s"]
    linear = (DURATIONS[-1] / DURATIONS[0]) ** (k - 1.0)
    note = (
        f"Duration: the loop grows as duration^{k:.2f}; at 15 s vs 2 s that is {linear:.2f}× "
        "a linear extrapolation (target ≤ 1.2×). Resolution exponents are per side "
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
