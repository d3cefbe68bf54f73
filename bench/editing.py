"""Editing: what a retake, an extension and the preview cost (issue 14's closing numbers).

- A 2 s retake inside an 8 s clip against generating the 8 s afresh (interleaved pairs).
- Extending to 15, 30 and 60 s (a source of half the length, extended by the other half):
  time and peak memory against the result's duration, one process per point, fitted exponent.
- The preview: one Muxer.preview call (decode 8 frames of the x0 estimate, JPEG sprite) and a
  whole generation with a preview every step against none, per step.

Speed does not depend on the weights' values, so the stages are random-init and the extended
sources are seeded random latents of the right shape. Run: `python -m bench.editing [--quick]`
(or `python -m bench.run --only editing`); results in bench/results/editing[-quick].json.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

from bench.common import BenchConfig, Report, Stats, Table, fit_exponent, machine, write_json

PROMPT = "a red ball bouncing on a wooden floor, a soft hum"
EXTENDED = (15.0, 30.0, 60.0)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _source(seconds: float, preset, seed: int = 0):
    """Seeded random latents standing in for a finished clip of `seconds`."""
    from reelflow.pipeline.editing.source import SourceLatents, SourceMeta, SourceShot
    from reelflow.pipeline.generation.request import GenerationRequest, prepare
    from reelflow.pipeline.model.sampling import seeded_noise

    request = GenerationRequest(PROMPT, duration_s=min(seconds, 15.0), seed=seed, steps=1)
    plan = prepare(request, preset).plan
    frames = round(seconds * preset.fps)
    samples = round(frames * preset.sample_rate / preset.fps)
    meta = SourceMeta(
        preset.fps, plan.width, plan.height, preset.sample_rate, frames, samples,
        (SourceShot(0.0, frames / preset.fps, plan.shots[0].text),),
    )  # fmt: skip
    video = preset.video_codec.latent_shape(frames, plan.height, plan.width)
    audio = (-(-samples // preset.audio_codec.hop) + 1, preset.audio_codec.channels)
    xv = seeded_noise(video, seed, 0).half()
    xa = seeded_noise(audio, seed, 1).half()
    return SourceLatents(meta, xv, xa)


def _run_edit(stages, preset, source, spec, steps: int, prompt: str = "", **kwargs):
    from reelflow.pipeline.editing.prepare import generate_edit, prepare_edit
    from reelflow.pipeline.generation.request import GenerationRequest

    request = GenerationRequest(prompt, seed=1, steps=steps)
    prepared = prepare_edit(request, spec, source.meta, preset, 60.0)
    began = time.perf_counter()
    result = asyncio.run(generate_edit(prepared, source, stages, preset, **kwargs))
    return result, time.perf_counter() - began


def _run_fresh(stages, preset, seconds: float, steps: int, **kwargs):
    from reelflow.pipeline.generation.request import GenerationRequest, prepare
    from reelflow.pipeline.generation.schedule import generate

    prepared = prepare(GenerationRequest(PROMPT, duration_s=seconds, seed=1, steps=steps), preset)
    began = time.perf_counter()
    result = asyncio.run(generate(prepared.plan, prepared.options, stages, preset, **kwargs))
    return result, time.perf_counter() - began


def _stages():
    from bench.workload import local_stages, tiny

    return local_stages(), tiny()


def retake_vs_fresh(steps: int, repeats: int) -> tuple[Table, dict]:
    from reelflow.pipeline.editing.edits import EditSpec

    stages, preset = _stages()
    source = _source(8.0, preset)
    spec = EditSpec("retake", start_s=3.0, end_s=5.0)
    _run_edit(stages, preset, source, spec, steps, "a blue cube")  # warm-up
    retakes, fresh = [], []
    for _ in range(repeats):  # interleaved: drift on a shared machine hits both alike
        retakes.append(_run_edit(stages, preset, source, spec, steps, "a blue cube")[1])
        fresh.append(_run_fresh(stages, preset, 8.0, steps)[1])
    ratios = Stats.of([r / f for r, f in zip(retakes, fresh, strict=True)])
    rows = (
        ("retake 2 s inside 8 s", Stats.of(retakes).s()),
        ("fresh 8 s", Stats.of(fresh).s()),
        ("retake / fresh", f"{ratios.median:.2f} ({ratios.min:.2f}–{ratios.max:.2f})"),
    )
    note = (
        f"{steps} steps, {repeats} interleaved pairs after a warm-up, tiny preset 64x64. A "
        "retake runs the branches over the whole canvas every step (the kept frames are the "
        "context the span is generated to fit), so it costs what a fresh clip of the canvas "
        "costs; the kept part is exact, not cheaper."
    )
    table = Table("Retake 2 s inside an 8 s clip vs 8 s afresh", ("run", "s"), rows, (note,))
    return table, {"retake_s": retakes, "fresh_s": fresh, "ratio": ratios}


def extend_child(total: float, steps: int, repeats: int) -> dict:
    """One point, in its own process: extend a source of total/2 s by total/2 s."""
    from reelflow.pipeline.editing.edits import EditSpec

    stages, preset = _stages()
    source = _source(total / 2, preset)
    spec = EditSpec("extend", seconds=total / 2)
    _run_edit(stages, preset, source, spec, 1)  # warm-up
    times, loops = [], []
    for _ in range(repeats):
        result, seconds = _run_edit(stages, preset, source, spec, steps)
        s = result.stage_seconds
        times.append(seconds)
        loops.append(seconds - s["prompt_encoding"] - s["keyframes"] - s["muxing"])
    libc = ctypes.CDLL("libc.so.6")  # as bench/growth.py: freed memory leaves the RSS
    libc.mallopt(-3, 65536)
    libc.mallopt(-1, 131072)
    libc.malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = _status_kib("VmRSS")
    _run_edit(stages, preset, source, spec, steps)
    peak = (_status_kib("VmHWM") - before) * 1024
    return {
        "total_s": times,
        "loop_s": loops,
        "peak_bytes": [peak],
        "frames": result.latents[0].shape[0],
    }


def _extend_point(total: float, steps: int, repeats: int) -> dict:
    code = (
        "import json; from bench.editing import extend_child; "
        f"print(json.dumps(extend_child({total}, {steps}, {repeats})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def extend_growth(steps: int, repeats: int) -> tuple[Table, dict]:
    points = [_extend_point(total, steps, repeats) for total in EXTENDED]
    stats = {key: [Stats.of(p[key]) for p in points] for key in ("total_s", "loop_s", "peak_bytes")}
    rows = [
        (
            f"{total:g} s ({p['frames']} frames)",
            stats["total_s"][i].s(),
            stats["loop_s"][i].s(),
            f"{stats['loop_s'][i].median / steps * 1e3:.0f}",
            f"{stats['peak_bytes'][i].median / 2**20:.0f}",
        )
        for i, (total, p) in enumerate(zip(EXTENDED, points, strict=True))
    ]
    exponents = {k: fit_exponent(EXTENDED, [s.median for s in v]) for k, v in stats.items()}
    rows.append(
        (
            "fitted exponent k (cost ~ duration^k)",
            f"{exponents['total_s']:.2f}",
            f"{exponents['loop_s']:.2f}",
            f"{exponents['loop_s']:.2f}",
            f"{exponents['peak_bytes']:.2f}",
        )
    )
    note = (
        f"Each point extends a source of half the duration by the other half (no prompt: the "
        f"last shot goes on). {steps} steps, {repeats} timed runs per point after a one-step "
        "warm-up, then one run for peak memory (VmHWM above the resident set before it), one "
        "process per point. The limit that holds is jobs.max_extended_s (60 s): time and "
        "memory are linear in duration (windowed branches), so the bound is the job deadline "
        "and one process's memory for the full-canvas latents and the muxer's decode."
    )
    header = ("extended to", "total s", "denoising loop s", "loop ms/step", "peak MiB (above idle)")
    return Table("Extend: cost vs the result's duration", header, tuple(rows), (note,)), {
        "durations": list(EXTENDED),
        "stats": stats,
        "exponents": exponents,
    }


def preview_cost(steps: int, repeats: int) -> tuple[Table, dict]:
    from reelflow.pipeline.generation.preview import preview_frames
    from reelflow.pipeline.model.sampling import seeded_noise

    stages, preset = _stages()
    calls = []
    for seconds in (2.0, 8.0):
        frames = round(seconds * preset.fps)
        x0 = preview_frames(seeded_noise((frames, 8, 16, 16), 0, 0)).half()
        stages.muxer.preview(x0)
        samples = []
        for _ in range(20):
            began = time.perf_counter()
            stages.muxer.preview(x0)
            samples.append(time.perf_counter() - began)
        calls.append(Stats.of(samples))

    async def nothing(preview) -> None:
        return None

    _run_fresh(stages, preset, 2.0, 2)
    plain, watched = [], []
    for _ in range(repeats):
        plain.append(_run_fresh(stages, preset, 2.0, steps)[1])
        watched.append(
            _run_fresh(stages, preset, 2.0, steps, preview_every=1, on_preview=nothing)[1]
        )
    per_step = Stats.of([(w - p) / steps for w, p in zip(watched, plain, strict=True)])
    step = Stats.of([p / steps for p in plain])
    rows = (
        ("one preview call, 2 s clip (8 of 16 frames)", calls[0].ms()),
        ("one preview call, 8 s clip (8 of 64 frames)", calls[1].ms()),
        ("a denoising step without preview, 2 s", step.ms()),
        ("added per step with preview_every=1, 2 s", per_step.ms()),
        ("  as a share of the step", f"{100 * per_step.median / step.median:.1f}%"),
    )
    note = (
        "The preview decodes 8 frames of the x0 estimate (x - t v) with the video codec and "
        "JPEG-encodes a 384x48 sprite; its cost does not grow with the clip (always 8 frames). "
        f"preview_every=N divides the added cost by N. {steps} steps, {repeats} interleaved "
        "pairs; each preview call timed 20 times."
    )
    return Table("Preview cost", ("what", "ms"), rows, (note,)), {
        "call_2s": calls[0],
        "call_8s": calls[1],
        "step": step,
        "added_per_step": per_step,
    }


def run(config: BenchConfig) -> Report:
    torch.set_num_threads(1)
    steps = 4 if config.quick else 10
    repeats = 2 if config.quick else 5
    retake, retake_data = retake_vs_fresh(steps, repeats)
    extend, extend_data = extend_growth(2 if config.quick else 4, 2 if config.quick else 3)
    preview, preview_data = preview_cost(steps, repeats)
    return Report(
        family="editing",
        tables=(retake, extend, preview),
        data={"retake": retake_data, "extend": extend_data, "preview": preview_data},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.editing", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args(argv)
    config = BenchConfig.make(args.quick)
    info = machine()
    report = run(config)
    mode = "quick" if args.quick else "full"
    print(f"# editing ({mode}) — {info['date']}, load {info['loadavg'][0]:.2f}\n")
    for table in report.tables:
        print(table.markdown())
    print(f"wrote {write_json(report, config, info)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
