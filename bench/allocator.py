"""A/B of the stages' heap policy (stages.keep_heap_warm): the same per-call and whole-request
timings in alternating fresh processes, one with glibc's default mmap/trim behaviour and one
with the warm heap. A process-wide policy can only be compared across processes."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.common import BenchConfig, Report, Stats, Table, ratio

CHILD = """
import json, sys
from pathlib import Path
Path("/proc/self/clear_refs").write_text("5")  # peak RSS from here, not the forked parent's
import reelflow.pipeline.generation.stages as stages
if sys.argv[1] == "default":
    stages.keep_heap_warm = lambda: None  # glibc defaults: fresh mmaps for large tensors
from bench.common import measure
from bench.workload import local_stages, request, run_embedded, step_inputs
st = local_stages()
inp = step_inputs(st, request(4))
o, c = inp.prepared.options, inp.cond
out = {
    "temporal": measure(lambda: st.temporal.velocity(inp.xv, inp.xa, 0.5, c, inp.keyframes,
                                                     o.guidance), 5).median,
    "audio": measure(lambda: st.audio.velocity(inp.xa, inp.xv, 0.5, c, o.guidance), 5).median,
    "request": measure(lambda: run_embedded(st, request(int(sys.argv[2]))), 3).median,
    "max_rss_mib": int(next(line.split()[1] for line in
                            Path("/proc/self/status").read_text().splitlines()
                            if line.startswith("VmHWM:"))) / 1024,
}
print(json.dumps(out))
"""


def _child(mode: str, steps: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(steps)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def allocator_ab(config: BenchConfig) -> tuple[Table, dict]:
    pairs = 3 if config.quick else 5
    runs: dict[str, list[dict[str, float]]] = {"default": [], "warm": []}
    for _ in range(pairs):
        for mode in runs:
            runs[mode].append(_child(mode, config.steps))
    rows, data = [], {}
    for key, label in (
        ("temporal", "temporal velocity, ms"),
        ("audio", "audio velocity, ms"),
        ("request", f"whole request ({config.steps} steps), s"),
        ("max_rss_mib", "max RSS, MiB"),
    ):
        a = Stats.of([r[key] for r in runs["default"]])
        b = Stats.of([r[key] for r in runs["warm"]])
        ratios = ratio([r[key] for r in runs["default"]], [r[key] for r in runs["warm"]])
        cells = (a.ms(), b.ms()) if label.endswith("ms") else (a.s(), b.s())
        rows.append((label, *cells, f"{ratios.median:.2f}×"))
        data[key] = {"default": a, "warm": b, "ratio": ratios}
    return (
        Table(
            f"Heap policy A/B (keep_heap_warm), {pairs} alternating process pairs",
            ("figure", "glibc default", "warm heap", "default / warm"),
            tuple(rows),
            ("Medians (min–max) over the processes; outputs are bit-identical.",),
        ),
        data,
    )


def run(config: BenchConfig) -> Report:
    table, data = allocator_ab(config)
    return Report(family="allocator", tables=(table,), data=data)
