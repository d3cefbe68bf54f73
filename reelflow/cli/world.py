"""`reelflow world render` writes toy-world clips; `reelflow eval DIR` scores MP4s against specs.

    reelflow world render --count 20 --seed 0 --split heldout --out runs/world
    reelflow eval runs/world            # prints a table, writes runs/world/scores.json
    reelflow world generate --set heldout-phrasing --count 24 --seed 100 --out runs/hp

`generate` sets: `sampled` (the world's template prompts, --split train or heldout),
`handwritten` (handwritten.json) and `heldout-phrasing` (the same specs as `sampled --split
heldout` with that seed, worded in phrasings training never sees), so the two compare clip by clip.

A clip NNNN is NNNN.mp4 (picture + sound), NNNN.json (its ClipSpec), NNNN.txt (its prompt) and,
when the prompt mentions references, NNNN.image1.png / NNNN.video1.mp4 / NNNN.audio1.wav. `eval`
scores any NNNN.mp4 that has a NNNN.json, so generated clips are evaluated the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_BAD_INPUT = 2
COLUMNS = (
    ("clip", 6),
    ("colour", 8),
    ("shape", 9),
    ("motion", 8),
    ("framing", 8),
    ("cuts", 5),
    ("audio", 8),
    ("pitch", 6),
    ("av ms", 7),
    ("lip", 6),
    ("ref", 5),
    ("flicker", 7),
    ("speckle", 7),
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    world = subparsers.add_parser("world", help="render clips of the synthetic toy world")
    actions = world.add_subparsers(dest="world_command", required=True)
    render = actions.add_parser("render", help="write NNNN.mp4 + NNNN.json ground-truth clips")
    render.add_argument("--count", type=int, default=20, help="number of clips")
    render.add_argument("--seed", type=int, default=0, help="dataset seed")
    render.add_argument("--split", choices=("train", "heldout"), default="train")
    render.add_argument("--out", type=Path, required=True, help="directory to write")
    render.add_argument("--max-shots", type=int, default=3)
    render.add_argument("--min-duration", type=int, default=2, help="whole seconds")
    render.add_argument("--max-duration", type=int, default=4, help="whole seconds")
    render.add_argument("--fps", type=int, default=16)
    model = actions.add_parser("generate", help="generate NNNN.mp4 from world prompts, for eval")
    model.add_argument("--count", type=int, default=20, help="number of clips")
    model.add_argument("--seed", type=int, default=0, help="dataset seed")
    model.add_argument("--split", choices=("train", "heldout"), default="heldout")
    model.add_argument(
        "--set",
        choices=("sampled", "handwritten", "heldout-phrasing"),
        default="sampled",
        help="handwritten: the fixed set of prompts written by hand (all of it; --count ignored); "
        "heldout-phrasing: held-out combinations worded as training never words them (--split "
        "ignored)",
    )
    model.add_argument("--out", type=Path, required=True, help="directory to write")
    model.add_argument("--steps", type=int, default=20)
    model.add_argument("--guidance", type=float)
    model.add_argument("--fps", type=int, default=8)
    model.add_argument("--checkpoint", help='weights file (default: shipped); "none" = random')
    scorer = subparsers.add_parser("eval", help="score NNNN.mp4 clips against NNNN.json specs")
    scorer.add_argument("dir", type=Path, help="directory of NNNN.mp4 + NNNN.json")
    scorer.add_argument("--quiet", action="store_true", help="print only the summary")
    scorer.add_argument(
        "--sheet",
        action="store_true",
        help="also write NNNN.sheet.png (every frame) and overview.png (a row per clip)",
    )


def run(args: argparse.Namespace) -> int:
    if args.command == "world":
        return _generate(args) if args.world_command == "generate" else _render(args)
    return _evaluate(args)


def _generate(args: argparse.Namespace) -> int:
    """The model's answers to world prompts (with their reference files), scored by `eval`."""
    import asyncio

    import numpy as np

    from reelflow.lab.toyworld.files import attachments
    from reelflow.lab.toyworld.sample import handwritten, heldout_phrasing, sample_spec
    from reelflow.lab.toyworld.wording.prompts import prompt_text
    from reelflow.pipeline.generation.embedded import LocalStages
    from reelflow.pipeline.generation.request import GenerationRequest, prepare
    from reelflow.pipeline.generation.schedule import generate
    from reelflow.pipeline.model.presets import get_preset
    from reelflow.pipeline.model.weights import resolve_checkpoint

    preset = get_preset("tiny")
    stages = LocalStages(preset, resolve_checkpoint(args.checkpoint))
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.set == "handwritten":
        clips = handwritten(args.fps)
    elif args.set == "heldout-phrasing":
        clips = heldout_phrasing(args.count, args.seed, args.fps)
    else:
        specs = [sample_spec(rng, split=args.split, fps=args.fps) for _ in range(args.count)]
        clips = [(prompt_text(spec), spec) for spec in specs]
    for index, (prompt, spec) in enumerate(clips):
        request = GenerationRequest(
            prompt,
            duration_s=spec.num_frames / spec.fps,
            fps=spec.fps,
            seed=index,
            steps=args.steps,
            guidance=args.guidance,
            references=attachments(spec),
        )
        prepared = prepare(request, preset)
        result = asyncio.run(generate(prepared.plan, prepared.options, stages, preset))
        stem = args.out / f"{index:04d}"
        stem.with_suffix(".mp4").write_bytes(result.mp4)
        stem.with_suffix(".json").write_text(json.dumps(spec.to_dict(), indent=1))
        stem.with_suffix(".txt").write_text(request.prompt + "\n")
    trained = "trained" if stages.trained else "random-init"
    what = {"handwritten": "hand-written", "heldout-phrasing": "held-out-phrasing"}.get(
        args.set, args.split
    )
    print(f"generated {len(clips)} {what} clips with {trained} weights in {args.out}")
    return EXIT_OK


def _render(args: argparse.Namespace) -> int:
    from reelflow.lab.toyworld.files import reference_files
    from reelflow.lab.toyworld.world import make_dataset
    from reelflow.pipeline.generation.mux import encode_mp4

    if args.count < 1:
        print("--count must be >= 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        clips = make_dataset(
            args.count,
            args.seed,
            args.split,
            max_shots=args.max_shots,
            duration_s=(args.min_duration, args.max_duration),
            fps=args.fps,
        )
        args.out.mkdir(parents=True, exist_ok=True)
        for index, clip in enumerate(clips):
            stem = args.out / f"{index:04d}"
            mp4 = encode_mp4(clip.frames, clip.audio, clip.fps, clip.sample_rate)
            stem.with_suffix(".mp4").write_bytes(mp4)
            stem.with_suffix(".json").write_text(json.dumps(clip.spec.to_dict(), indent=1))
            stem.with_suffix(".txt").write_text(clip.prompt + "\n")
            for name, (extension, data) in reference_files(clip.spec).items():
                (args.out / f"{index:04d}.{name}.{extension}").write_bytes(data)
    except ValueError as error:
        print(f"reelflow world: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"wrote {args.count} {args.split} clips to {args.out}")
    return EXIT_OK


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "ok" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def _row(name: str, s) -> list[str]:
    framing = "ok" if s.framing_ok else "FAIL"
    return [
        name,
        s.colour if s.colour_ok else f"!{s.colour}",
        s.shape if s.shape_ok else f"!{s.shape}",
        s.motion if s.motion_ok is not False else f"!{s.motion}",
        framing,
        _cell(s.cuts_ok),
        s.audio if s.audio_ok else f"!{s.audio}",
        _cell(s.pitch_ok),
        _cell(s.av_offset_ms) if s.av_ok is not False else f"!{_cell(s.av_offset_ms)}",
        _cell(s.lip_sync),
        _cell(s.reference_ok),
        _cell(s.flicker),
        _cell(s.speckle),
    ]


def _write_sheets(folder: Path, videos: list[Path]) -> None:
    from reelflow.lab.toyworld.contact_sheet import contact_sheet, overview
    from reelflow.lab.toyworld.files import encode_png
    from reelflow.pipeline.generation.mux import decode_mp4

    clips = []
    for mp4 in videos:
        frames = decode_mp4(str(mp4)).frames
        mp4.with_suffix(".sheet.png").write_bytes(encode_png(contact_sheet(frames)))
        clips.append(frames)
    (folder / "overview.png").write_bytes(encode_png(overview(clips)))
    print(f"wrote {len(videos)} contact sheets and {folder / 'overview.png'}")


def _evaluate(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from reelflow.lab.toyworld.evaluate import evaluate_mp4, summarise
    from reelflow.lab.toyworld.spec import ClipSpec

    folder: Path = args.dir
    pairs = [
        (mp4, mp4.with_suffix(".json"))
        for mp4 in sorted(folder.glob("[0-9][0-9][0-9][0-9].mp4"))
        if mp4.with_suffix(".json").exists()
    ]
    if not pairs:
        print(f"reelflow eval: no NNNN.mp4 with a NNNN.json in {folder}", file=sys.stderr)
        return EXIT_BAD_INPUT
    scores = []
    header = "  ".join(title.ljust(width) for title, width in COLUMNS)
    if not args.quiet:
        print(header)
    for mp4, spec_file in pairs:
        try:
            spec = ClipSpec.from_dict(json.loads(spec_file.read_text()))
            score = evaluate_mp4(str(mp4), spec, name=mp4.stem)
        except (ValueError, TypeError, KeyError, OSError) as error:
            print(f"reelflow eval: {mp4.name}: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        scores.append(score)
        if not args.quiet:
            cells = _row(mp4.stem, score)
            print("  ".join(c.ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)))
    summary = summarise(scores)
    heldout = [s for s in scores if s.heldout]
    report = {"summary": summary, "clips": [asdict(s) for s in scores]}
    if heldout and len(heldout) < len(scores):
        report["summary_heldout"] = summarise(heldout)
    (folder / "scores.json").write_text(json.dumps(report, indent=1))
    if args.sheet:
        _write_sheets(folder, [mp4 for mp4, _ in pairs])
    print("\nsummary (accuracy over the clips each check applies to)")
    for key, value in summary.items():
        if not key.endswith("_n"):
            count = summary.get(f"{key}_n")
            suffix = f"  (n={count})" if count is not None else ""
            print(f"  {key:18s} {_cell(value)}{suffix}")
    print(f"wrote {folder / 'scores.json'}")
    return EXIT_OK
