"""The speed work of issue 7, each against its baseline in the same run: the prompt-embedding
cache, draft mode (fewer, shifted steps) and step caching (TeaCache-style), the last two with
their quality cost on held-out synthetic-world prompts as scored by the world evaluator."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.common import BenchConfig, Report, Stats, Table, measure, ratio
from bench.quality import (
    cached,
    default,
    drafted,
    evaluate_variant,
    fidelity,
    snapshot_checkpoint,
)
from bench.workload import local_stages, request, tiny
from reelflow.pipeline.generation.request import prepare
from reelflow.pipeline.generation.schedule import generate

THRESHOLDS = (0.05, 0.1)
QUALITY_KEYS = ("colour", "shape", "motion", "framing", "audio", "av", "flicker")


def prompt_cache(stages, repeats: int) -> Table:
    encoder = stages.encoder
    plan = prepare(request(4), tiny()).plan

    def cold():
        encoder._cache.clear()
        encoder.encode(plan)

    miss = measure(cold, repeats)
    hit = measure(lambda: encoder.encode(plan), repeats)
    return Table(
        "Prompt-embedding cache (PromptEncoderStage.encode, 2-shot prompt)",
        ("case", "ms median (min–max)", "speed-up"),
        (
            ("miss (text model runs)", miss.ms(), "1.00"),
            ("hit (LRU by shot texts)", hit.ms(), f"{miss.median / hit.median:.1f}×"),
        ),
    )


def _timed(stages, variant, steps: int, repeats: int) -> list[float]:
    prepared = prepare(request(steps), tiny())
    options = variant(prepared.options)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        asyncio.run(generate(prepared.plan, options, stages, tiny()))
        times.append(time.perf_counter() - began)
    return times


def sampling_modes(stages, config: BenchConfig) -> tuple[Table, dict]:
    """Wall time of one request per mode, interleaved with the default, at 20 steps."""
    steps = tiny().sampler.steps
    variants = {"default (20 steps)": default}
    variants |= {f"step cache {th:g}": cached(th) for th in THRESHOLDS}
    variants["draft (6 steps, shift 3)"] = drafted(tiny())
    _timed(stages, default, steps, 1)  # warm-up
    runs = {name: [] for name in variants}
    for _ in range(max(2, config.repeats // 2)):
        for name, variant in variants.items():
            runs[name] += _timed(stages, variant, steps, 1)
    base = runs["default (20 steps)"]
    rows = []
    for name, values in runs.items():
        speedup = ratio(base, values)
        rows.append((name, Stats.of(values).s(), f"{speedup.median:.2f}×"))
    return (
        Table(
            "Sampling modes, embedded, tiny preset 2 s 64x64 (interleaved runs)",
            ("mode", "seconds median (min–max)", "speed-up vs default"),
            tuple(rows),
        ),
        {name: Stats.of(values) for name, values in runs.items()},
    )


def quality(stages, checkpoint, step, config: BenchConfig) -> tuple[Table, dict]:
    count = 4 if config.quick else 16
    steps = tiny().sampler.steps
    variants = {"default (20 steps)": default}
    variants |= {f"step cache {th:g}": cached(th) for th in THRESHOLDS}
    variants["draft (6 steps, shift 3)"] = drafted(tiny())
    out = Path(tempfile.mkdtemp(prefix="reelflow-bench-quality-"))
    results = {
        name: evaluate_variant(stages, tiny(), count, steps, variant, out / str(i))
        for i, (name, variant) in enumerate(variants.items())
    }
    rows = []
    reference = results["default (20 steps)"]["clips"]
    for name, result in results.items():
        psnr, snr = fidelity(result["clips"], reference)
        result["psnr_vs_default_db"], result["audio_snr_vs_default_db"] = psnr, snr
        close = name.startswith("default")
        summary = result["summary"]
        cells = []
        for key in QUALITY_KEYS:
            value = summary.get(key if key != "av" else "av_abs_offset_ms")
            cells.append("-" if value is None else f"{value:.2f}")
        rows.append(
            (
                name,
                f"{result['seconds']:.1f}",
                str(result["steps_reused"]),
                "identical" if close else f"{psnr:.1f} / {snr:.1f}",
                *cells,
            )
        )
    weights = f"runs/tiny checkpoint at training step {step}" if checkpoint else "random init"
    return (
        Table(
            f"Quality cost: {count} held-out world prompts, {weights}",
            (
                "mode",
                "total s",
                "steps reused",
                "PSNR / audio SNR vs default, dB",
                *QUALITY_KEYS[:-2],
                "av |offset| ms",
                "flicker",
            ),
            tuple(rows),
            (
                "Accuracies (0–1) from reelflow.lab.toyworld.evaluate; same prompts and "
                f"seeds per mode. Clips in {out}.",
            ),
        ),
        {"checkpoint_step": step, "results": results},
    )


def run(config: BenchConfig) -> Report:
    # The training run's latest weights: how many steps a cache can skip depends on them.
    checkpoint, step = snapshot_checkpoint()
    stages = local_stages(checkpoint)
    cache_table = prompt_cache(stages, config.repeats)
    modes_table, modes = sampling_modes(stages, config)
    quality_table, judged = quality(stages, checkpoint, step, config)
    return Report(
        family="speedups",
        tables=(cache_table, modes_table, quality_table),
        data={"modes": modes, "quality": judged},
    )
