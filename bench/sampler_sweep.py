"""Sampler defaults by measurement: held-out world prompts generated at several guidance scales,
step counts, timestep shifts and spatial-refinement settings, scored by the world's evaluator
(the model card's sweep).

    python -m bench.sampler_sweep --checkpoint reelflow/checkpoints/tiny.safetensors --count 12
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.quality import evaluate_variant
from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.model.presets import get_preset

# Each row changes these from the defaults (SamplerDefaults, and the preset's compute dtype):
# first the defaults against the previous ones and the rows that chose them (numerics, steps,
# guidance interval), then the refinement, guidance, shift and the audio's lead around them.
GRID: tuple[dict, ...] = (
    {},  # 16 steps, unguided below t = 0.3, bfloat16
    {"steps": 20, "guide_above": 0.0},  # the previous defaults
    {"steps": 20, "guide_above": 0.0, "compute_dtype": "float32"},
    {"steps": 20},
    {"steps": 20, "guide_above": 0.5},
    {"steps": 20, "guide_above": 0.7},
    {"guide_above": 0.0},
    {"guide_above": 0.5},
    {"refine_below": 0.3, "refine_weight": 0.3},
    {"refine_below": 0.7},
    {"guidance": 2.0},
    {"guidance": 6.0},
    {"shift": 3.0},
    {"steps": 12},
    {"audio_lead": 1.5},
    {"audio_lead": 2.0},
)
SAMPLER = (
    "guidance",
    "steps",
    "shift",
    "refine_below",
    "refine_weight",
    "audio_lead",
    "guide_above",
)
COLUMNS = ("colour", "shape", "motion", "framing", "cuts", "audio", "av", "lip_sync")
COLUMNS += ("reference", "flicker", "speckle")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("bench/results/sampler_sweep.json"))
    parser.add_argument("--rows", type=int, nargs="*", help="indices into GRID (default: all)")
    args = parser.parse_args()
    base = get_preset("tiny")
    rows = []
    for changes in GRID if args.rows is None else [GRID[i] for i in args.rows]:
        sampler = {k: v for k, v in changes.items() if k != "compute_dtype"}
        dtype = changes.get("compute_dtype", base.compute_dtype)
        preset = replace(base, sampler=replace(base.sampler, **sampler), compute_dtype=dtype)
        stages = LocalStages(preset, args.checkpoint)
        setting = {name: getattr(preset.sampler, name) for name in SAMPLER}
        folder = Path(tempfile.mkdtemp(prefix="reelflow-sweep-"))
        # the preset's sampler already holds the row's settings: the options come from it
        result = evaluate_variant(stages, preset, args.count, setting["steps"], _same, folder)
        summary = result["summary"]
        setting |= {"compute_dtype": dtype, "seconds_per_clip": result["seconds"] / args.count}
        rows.append(setting | summary)
        cells = [_cell(summary.get(key)) for key in COLUMNS]
        print(f"| {' | '.join(map(_cell, setting.values()))} | {' | '.join(cells)} |", flush=True)
    args.out.write_text(json.dumps({"checkpoint": str(args.checkpoint), "rows": rows}, indent=1))


def _same(options):
    return options


def _cell(value) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
