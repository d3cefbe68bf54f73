"""Which branch fails: the same world prompts scored three ways, so a weak table says where.

- `full`: the pipeline as served (the spatial branch's keyframes, then the joint loop);
- `oracle keyframe`: the joint loop from the encoded render's own shot-start frames, which
  isolates RayFlow and the audio branch (motion, later shots, sound, lips);
- `keyframes only`: the spatial branch's keyframes decoded and each held for its shot, which
  isolates the DiT (colour, shape, framing; motion, sound and sync do not apply).

    python -m bench.branch_probe --checkpoint runs/tiny/weights.safetensors --count 12

`--keyframes-only` scores the DiT alone (seconds per clip, not the joint loop's tens): a
learning curve for the spatial branch while it trains.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import numpy as np
import torch

from bench.quality import world_requests
from reelflow.lab.toyworld.evaluate import evaluate_arrays, summarise
from reelflow.lab.toyworld.world import render_clip
from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.pipeline.generation.request import prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.video_autoencoder import from_frames, to_frames

COLUMNS = ("colour", "shape", "motion", "framing", "cuts", "audio", "av", "lip_sync", "speckle")


class GivenKeyframes(LocalStages):
    """LocalStages whose keyframes are set from outside, per clip."""

    given: torch.Tensor  # (S, C, h, w)

    async def keyframes(self, cond, seed, steps, guidance, shift, height, width):
        return self.given


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--split", default="heldout", choices=("heldout", "train"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/branch_probe.json"))
    parser.add_argument("--keyframes-only", action="store_true", help="skip the joint loop")
    parser.add_argument("--guidance", type=float, help="the DiT's guidance (default: preset's)")
    args = parser.parse_args()
    preset = get_preset("tiny")
    stages = GivenKeyframes(preset, args.checkpoint)
    codec = stages.muxer.video_codec
    joint = () if args.keyframes_only else ("full", "oracle keyframe")
    scores: dict[str, list] = {name: [] for name in (*joint, "keyframes only")}
    for spec, request in world_requests(args.count, preset.sampler.steps, split=args.split):
        prepared = prepare(request, preset)
        plan, options = prepared.plan, prepared.options
        clip = render_clip(spec)
        shots = spec.shot_frames()
        cond = stages.encoder.encode(plan)
        sampled = stages.spatial.keyframes(
            cond,
            options.seed,
            options.steps,
            args.guidance or options.guidance,
            options.shift,
            plan.height,
            plan.width,
        )
        with torch.inference_mode():
            truth = codec.encode(from_frames(clip.frames[[start for start, _ in shots]]))
            still = to_frames(codec.decode(sampled.float())).numpy()
        held = np.concatenate(
            [np.repeat(still[i : i + 1], e - s, 0) for i, (s, e) in enumerate(shots)]
        )
        silence = np.zeros(spec.num_samples)
        scores["keyframes only"].append(evaluate_arrays(held, silence, spec.sample_rate, spec))
        for name, keyframes in zip(joint, (sampled, truth), strict=False):
            stages.given = keyframes
            clip_out = decode_mp4(asyncio.run(generate(plan, options, stages, preset)).mp4)
            scores[name].append(
                evaluate_arrays(clip_out.frames, clip_out.audio, spec.sample_rate, spec)
            )
        print(f"{len(scores['keyframes only'])}/{args.count}", flush=True)
    rows = {name: summarise(values) for name, values in scores.items()}
    print(f"| variant | {' | '.join(COLUMNS)} |")
    for name, summary in rows.items():
        print(f"| {name} | {' | '.join(_cell(summary.get(key)) for key in COLUMNS)} |")
    args.out.write_text(json.dumps({"checkpoint": str(args.checkpoint), "rows": rows}, indent=1))


def _cell(value) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
