"""`reelflow generate`: one clip, embedded (no Ray) or over gRPC with --server."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path

from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.pipeline.script.plan import ScriptError

EXIT_BAD_INPUT = 2


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"size must look like 64x64, got {text!r}")
    return int(match[1]), int(match[2])


def _named(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", help='prompt script, e.g. "[0-2s] close-up ... [2-4s] wide ..."')
    parser.add_argument("--duration", type=float, help="seconds (default: from the script, or 4)")
    parser.add_argument("--fps", type=int, help="frames per second (default: the preset's)")
    parser.add_argument("--size", type=_size, help="WIDTHxHEIGHT (default: the preset's)")
    parser.add_argument("--seed", type=int, help="random seed (default: drawn and printed)")
    parser.add_argument("--steps", type=int, help="denoising steps")
    parser.add_argument("--guidance", type=float, help="classifier-free guidance scale")
    parser.add_argument(
        "--negative-prompt", default="", help="what the video should not show (guidance avoids it)"
    )
    parser.add_argument(
        "--draft", action="store_true", help="draft mode: few, shifted steps (unless --steps)"
    )
    parser.add_argument(
        "--cache-threshold",
        type=float,
        default=0.0,
        help="reuse step velocities while latents moved less than this (0 = off, at most 1)",
    )
    parser.add_argument("--ref", type=_named, action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--role", type=_named, action="append", default=[], metavar="NAME=ROLE")


def request_from_args(args: argparse.Namespace) -> GenerationRequest:
    references = {}
    for name, path in args.ref:
        try:
            references[name] = Path(path).read_bytes()
        except OSError as error:
            raise ScriptError(
                f"references[{name}]", f"cannot read {path}: {error.strerror}"
            ) from None
    width, height = args.size if args.size else (None, None)
    return GenerationRequest(
        prompt=args.prompt,
        duration_s=args.duration,
        fps=args.fps,
        width=width,
        height=height,
        seed=args.seed,
        steps=args.steps,
        guidance=args.guidance,
        references=references,
        roles=dict(args.role),
        negative_prompt=args.negative_prompt,
        draft=args.draft,
        cache_threshold=args.cache_threshold,
    )


def _print_summary(path: Path, seed: int, seconds: dict[str, float], total: float) -> None:
    print(f"wrote {path.resolve()} (seed {seed}) in {total:.1f}s")
    for stage, value in seconds.items():
        print(f"  {stage:<16} {value:7.2f}s")


def _parallel(args: argparse.Namespace):
    from reelflow.pipeline.parallel.config import ParallelConfig

    try:
        return ParallelConfig(ulysses=args.parallel, cfg=2 if args.cfg_parallel else 1)
    except ValueError as error:
        raise ScriptError("parallel", str(error)) from None


def run(args: argparse.Namespace) -> int:
    from reelflow.cli.progress import ProgressBar

    request = request_from_args(args)
    if args.server and (args.parallel != 1 or args.cfg_parallel):
        raise ScriptError(
            "parallel", "--parallel is for embedded runs; a server sets it per stage in its config"
        )
    bar = ProgressBar()
    began = time.perf_counter()
    if args.model == "ltx2":
        return _ltx2(args, request, bar, began)
    if args.server:
        from reelflow.services.api.grpc.client import generate_remote

        reply = generate_remote(
            args.server, request, lambda p: bar.update(p.stage, p.step, p.total), args.timeout
        )
        args.output.write_bytes(reply.result.mp4)
        seconds, seed = dict(reply.result.stage_seconds), reply.result.seed
    else:
        from reelflow.pipeline.generation.embedded import LocalStages
        from reelflow.pipeline.generation.request import prepare
        from reelflow.pipeline.generation.schedule import generate
        from reelflow.pipeline.model.presets import get_preset
        from reelflow.pipeline.model.weights import resolve_checkpoint

        preset = get_preset(args.preset)
        prepared = prepare(request, preset)
        checkpoint = resolve_checkpoint(args.checkpoint)
        parallel = _parallel(args)
        if parallel.degree > 1:  # local ranks: child processes on this machine
            from reelflow.pipeline.parallel.embedded import ParallelLocalStages

            try:
                stages = ParallelLocalStages(preset, checkpoint, parallel)
            except ValueError as error:  # e.g. a degree that does not divide the heads
                raise ScriptError("parallel", str(error)) from None
        else:
            stages = LocalStages(preset, checkpoint)
        if not stages.trained:
            print("note: no trained checkpoint; weights are a seeded random init", file=sys.stderr)
        try:
            result = asyncio.run(
                generate(
                    prepared.plan,
                    prepared.options,
                    stages,
                    preset,
                    lambda p: bar.update(p.stage, p.step, p.total),
                )
            )
        finally:
            if parallel.degree > 1:
                stages.close()
        args.output.write_bytes(result.mp4)
        seconds, seed = result.stage_seconds, prepared.options.seed
    _print_summary(args.output, seed, seconds, time.perf_counter() - began)
    return 0


def _ltx2(args: argparse.Namespace, request, bar, began: float) -> int:
    """An LTX-2 clip in this process, from the snapshot directory --model-path."""
    if args.server:
        raise ScriptError("model", "with --server the server's model.family decides: drop --model")
    if args.parallel != 1 or args.cfg_parallel:
        raise ScriptError("model", "ltx2 runs in one process here: no --parallel")
    if args.model_path is None:
        raise ScriptError("model", "--model ltx2 needs --model-path DIR (a diffusers snapshot)")
    from reelflow.pipeline.ltx2.generate import LTX2Family
    from reelflow.pipeline.ltx2.snapshot import SnapshotError, open_snapshot
    from reelflow.pipeline.ltx2.stages import LTX2Stages

    try:
        family = LTX2Family(LTX2Stages(open_snapshot(args.model_path, args.dtype)))
    except SnapshotError as error:
        raise ScriptError("model_path", str(error)) from None
    ltx = family.prepare(request)
    loaded = time.perf_counter() - began
    result = asyncio.run(family.generate(ltx, lambda p: bar.update(p.stage, p.step, p.total)))
    args.output.write_bytes(result.mp4)
    seconds = {"load": loaded, **result.stage_seconds}
    _print_summary(args.output, ltx.seed, seconds, time.perf_counter() - began)
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    gen = subparsers.add_parser(
        "generate", help="generate an MP4 (embedded, or over gRPC with --server)"
    )
    add_request_arguments(gen)
    gen.add_argument("-o", "--output", type=Path, required=True, help="MP4 to write")
    gen.add_argument("--server", help="HOST:PORT of a reelflow gRPC endpoint (else embedded)")
    gen.add_argument("--timeout", type=float, help="seconds before the call is abandoned")
    gen.add_argument("--preset", default="tiny", help="model size when embedded")
    gen.add_argument("--checkpoint", help='weights file; "none" for random init')
    gen.add_argument(
        "--model",
        choices=("reelflow-tiny", "ltx2"),
        default="reelflow-tiny",
        help="model family (ltx2: a diffusers LTX-2 snapshot, embedded)",
    )
    gen.add_argument("--model-path", type=Path, help="ltx2: the snapshot directory")
    gen.add_argument(
        "--dtype", choices=("bfloat16", "float16", "float32"), default="bfloat16", help="ltx2"
    )
    gen.add_argument(
        "--parallel",
        type=int,
        default=1,
        metavar="N",
        help="embedded: split each branch's sequence over N local ranks (Ulysses; processes)",
    )
    gen.add_argument(
        "--cfg-parallel",
        action="store_true",
        help="embedded: guidance's two halves on two rank sets (doubles the ranks)",
    )
