"""Family 2, stage breakdown: where an embedded request's time goes (share of the total per
stage) and the per-step cost of each branch, each branch timed on its own."""

from __future__ import annotations

import time

import numpy as np

from bench.common import BenchConfig, Report, Stats, Table, measure
from bench.workload import local_stages, request, run_embedded, step_inputs
from reelflow.pipeline.generation.mux import encode_mp4
from reelflow.pipeline.model.video_autoencoder import to_frames


def run(config: BenchConfig) -> Report:
    stages = local_stages()
    req = request(config.steps)
    run_embedded(stages, req)  # warm-up: first-call allocations, lazy imports
    parts: dict[str, list[float]] = {}
    for _ in range(config.repeats):
        result, total = run_embedded(stages, req)
        seconds = result.stage_seconds
        outside = sum(seconds.get(k, 0.0) for k in ("prompt_encoding", "keyframes", "muxing"))
        for name, value in (
            ("prompt_encoding", seconds["prompt_encoding"]),
            ("keyframes", seconds["keyframes"]),
            ("denoising loop", total - outside),
            ("decode + mux", seconds["muxing"]),
            ("total", total),
        ):
            parts.setdefault(name, []).append(value)
    totals = parts["total"]
    rows = []
    shares = {}
    for name, values in parts.items():
        share = Stats.of([v / t for v, t in zip(values, totals, strict=True)])
        shares[name] = share
        rows.append((name, Stats.of(values).s(), f"{share.median * 100:.1f}%"))

    inputs = step_inputs(stages, req)
    o, cond = inputs.prepared.options, inputs.cond
    plan = inputs.prepared.plan
    muxer = stages.muxer
    video = muxer.video_codec.decode(inputs.xv.float())
    pixels = to_frames(video).numpy()
    audio = muxer.audio_codec.decode(inputs.xa.float(), plan.num_samples).numpy()
    calls = {
        "temporal (RayFlow) velocity": lambda: stages.temporal.velocity(
            inputs.xv, inputs.xa, 0.5, cond, inputs.keyframes, o.guidance
        ),
        "audio velocity": lambda: stages.audio.velocity(
            inputs.xa, inputs.xv, 0.5, cond, o.guidance
        ),
        "spatial (DiT) velocity, refine steps": lambda: stages.spatial.velocity(
            inputs.xv, 0.5, cond, o.guidance
        ),
        "prompt encoding (once, cache miss)": lambda: (
            stages.encoder._cache.clear(),
            stages.encoder.encode(plan),
        ),
        "latent decode (once)": lambda: (
            muxer.video_codec.decode(inputs.xv.float()),
            muxer.audio_codec.decode(inputs.xa.float(), plan.num_samples),
        ),
        "H.264 + AAC mux (once)": lambda: encode_mp4(
            np.ascontiguousarray(pixels), audio, plan.fps, plan.sample_rate
        ),
    }
    per_call = {name: measure(fn, config.repeats) for name, fn in calls.items()}
    branch_rows = tuple((name, stats.ms()) for name, stats in per_call.items())
    shape = f"{plan.num_frames} frames {plan.width}x{plan.height}, {len(plan.shots)} shots"
    return Report(
        family="stage_breakdown",
        tables=(
            Table(
                f"Stage breakdown, embedded, tiny preset ({shape}, {o.steps} steps, "
                f"guidance {o.guidance:g})",
                ("stage", "seconds median (min–max)", "share of total"),
                tuple(rows),
                (
                    "The denoising loop runs the temporal and audio branches concurrently "
                    "(spatial refinement joins them while t < refine_below).",
                ),
            ),
            Table(
                "Per-call cost, each call timed alone (1 torch thread, CFG as one batch)",
                ("call", "ms median (min–max)"),
                branch_rows,
            ),
        ),
        data={
            "stage_seconds": {k: Stats.of(v) for k, v in parts.items()},
            "share": shares,
            "per_call_seconds": per_call,
            "measured_at": time.time(),
        },
    )
