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

# (guidance, steps, shift, refine_below, refine_weight, audio_lead): the refinement first at
# guidance 4, then guidance, steps and shift around the best refinement, then the audio's lead
GRID = (
    (4.0, 20, 1.0, 0.3, 0.3, 1.0),
    (4.0, 20, 1.0, 0.5, 0.7, 1.0),
    (4.0, 20, 1.0, 0.7, 0.7, 1.0),
    (2.0, 20, 1.0, 0.5, 0.7, 1.0),
    (6.0, 20, 1.0, 0.5, 0.7, 1.0),
    (4.0, 20, 3.0, 0.5, 0.7, 1.0),
    (4.0, 12, 1.0, 0.5, 0.7, 1.0),
    (4.0, 20, 1.0, 0.5, 0.7, 1.5),
    (4.0, 20, 1.0, 0.5, 0.7, 2.0),
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
    preset = get_preset("tiny")
    stages = LocalStages(preset, args.checkpoint)
    rows = []
    settings = GRID if args.rows is None else [GRID[i] for i in args.rows]
    for guidance, steps, shift, below, weight, lead in settings:

        def variant(options, guidance=guidance, shift=shift, below=below, weight=weight, lead=lead):
            return replace(
                options,
                guidance=guidance,
                shift=shift,
                refine_below=below,
                refine_weight=weight,
                audio_lead=lead,
            )

        folder = Path(tempfile.mkdtemp(prefix="reelflow-sweep-"))
        result = evaluate_variant(stages, preset, args.count, steps, variant, folder)
        summary = result["summary"]
        setting = {"guidance": guidance, "steps": steps, "shift": shift}
        setting |= {"refine_below": below, "refine_weight": weight, "audio_lead": lead}
        rows.append(setting | summary)
        cells = " | ".join(_cell(summary.get(key)) for key in COLUMNS)
        print(f"| {' | '.join(f'{v:g}' for v in setting.values())} | {cells} |", flush=True)
    args.out.write_text(json.dumps({"checkpoint": str(args.checkpoint), "rows": rows}, indent=1))


def _cell(value) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
