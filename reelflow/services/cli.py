"""`reelflow`: generate (embedded, or over gRPC with --server), serve, demo, check, world, eval."""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
import time
from pathlib import Path

from reelflow.pipeline.plan import ScriptError
from reelflow.pipeline.request import GenerationRequest

EXIT_BAD_INPUT = 2
DEMO_PROMPT = (
    "[0-2s] close-up of a red ball bouncing, a beep at each bounce "
    "[2-4s] wide shot of the ball rolling right, quiet hum"
)


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


def run_generate(args: argparse.Namespace) -> int:
    from reelflow.services.progress import ProgressBar

    request = request_from_args(args)
    bar = ProgressBar()
    began = time.perf_counter()
    if args.server:
        from reelflow.services.client import generate_remote

        reply = generate_remote(
            args.server, request, lambda p: bar.update(p.stage, p.step, p.total), args.timeout
        )
        args.output.write_bytes(reply.result.mp4)
        seconds, seed = dict(reply.result.stage_seconds), reply.result.seed
    else:
        from reelflow.pipeline.embedded import LocalStages
        from reelflow.pipeline.presets import get_preset
        from reelflow.pipeline.request import prepare
        from reelflow.pipeline.schedule import generate
        from reelflow.pipeline.weights import resolve_checkpoint

        preset = get_preset(args.preset)
        prepared = prepare(request, preset)
        stages = LocalStages(preset, resolve_checkpoint(args.checkpoint))
        if not stages.trained:
            print("note: no trained checkpoint; weights are a seeded random init", file=sys.stderr)
        result = asyncio.run(
            generate(
                prepared.plan,
                prepared.options,
                stages,
                preset,
                lambda p: bar.update(p.stage, p.step, p.total),
            )
        )
        args.output.write_bytes(result.mp4)
        seconds, seed = result.stage_seconds, prepared.options.seed
    _print_summary(args.output, seed, seconds, time.perf_counter() - began)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    if (args.tls_cert is None) != (args.tls_key is None):
        print("error: give both --tls-cert and --tls-key", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.embedded or args.tls_cert:
        from reelflow.services import jobs_cmd

        tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
        return jobs_cmd.run_embedded_serve(args.config, args.grpc_port, tls)
    from reelflow.services import server

    config = server.start(
        server.read_raw_config(args.config), address=args.address, grpc_port=args.grpc_port
    )
    print(f"reelflow serving gRPC on 127.0.0.1:{config.grpc_port}; Ctrl-C stops", flush=True)
    stop = asyncio.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set():
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("shutting down Ray Serve", flush=True)
        server.stop()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """Start Serve locally, call the gRPC endpoint with a multi-shot prompt, stop cleanly."""
    from reelflow.services import server

    began = time.perf_counter()
    config = server.start(server.read_raw_config(args.config), grpc_port=args.grpc_port)
    print(f"Ray Serve up in {time.perf_counter() - began:.1f}s", flush=True)
    try:
        args.server = f"127.0.0.1:{config.grpc_port}"
        args.prompt = args.prompt or DEMO_PROMPT
        print(f"prompt: {args.prompt}")
        return run_generate(args)
    finally:
        server.stop()
        print("Ray Serve stopped", flush=True)


def build_parser() -> argparse.ArgumentParser:
    from reelflow.services import check_cmd, cluster_cmd, jobs_cmd, train_cmd, world_cmd

    parser = argparse.ArgumentParser(prog="reelflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="generate an MP4 (embedded, or over gRPC with --server)")
    add_request_arguments(gen)
    gen.add_argument("-o", "--output", type=Path, required=True, help="MP4 to write")
    gen.add_argument("--server", help="HOST:PORT of a reelflow gRPC endpoint (else embedded)")
    gen.add_argument("--timeout", type=float, help="seconds before the call is abandoned")
    gen.add_argument("--preset", default="tiny", help="model size when embedded")
    gen.add_argument("--checkpoint", help='weights file; "none" for random init')

    serve = sub.add_parser("serve", help="run Ray Serve with every stage until interrupted")
    serve.add_argument("--config", type=Path, help="serving config YAML (default: packaged)")
    serve.add_argument("--grpc-port", type=int)
    serve.add_argument("--address", help="an existing Ray cluster to deploy on")
    serve.add_argument(
        "--embedded", action="store_true", help="no Ray: one process, stages as local objects"
    )
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate chain (embedded: TLS)")
    serve.add_argument("--tls-key", type=Path, help="PEM private key (embedded: TLS)")

    demo = sub.add_parser("demo", help="serve locally, generate one clip over gRPC, stop")
    demo.add_argument("prompt", nargs="?", default=None)
    demo.add_argument("-o", "--output", type=Path, default=Path("demo.mp4"))
    demo.add_argument("--config", type=Path)
    demo.add_argument("--grpc-port", type=int)
    demo.add_argument("--timeout", type=float, default=600.0)
    demo.add_argument("--seed", type=int, default=7)
    for name in ("duration", "fps", "size", "steps", "guidance"):
        demo.set_defaults(**{name: None})
    demo.set_defaults(ref=[], role=[], negative_prompt="", draft=False, cache_threshold=0.0)

    check_cmd.add_parser(sub)
    cluster_cmd.add_parser(sub)
    jobs_cmd.add_parser(sub)
    train_cmd.add_parser(sub)
    world_cmd.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            return run_generate(args)
        if args.command == "serve":
            return run_serve(args)
        if args.command == "demo":
            return run_demo(args)
        if args.command == "check":
            from reelflow.services import check_cmd

            return check_cmd.run(args)
        if args.command == "jobs":
            from reelflow.services import jobs_cmd

            return jobs_cmd.run(args)
        if args.command == "cluster":
            from reelflow.services import cluster_cmd

            return cluster_cmd.run(args)
        if args.command == "train":
            from reelflow.services import train_cmd

            return train_cmd.run(args)
        from reelflow.services import world_cmd

        return world_cmd.run(args)
    except ScriptError as error:
        from reelflow.pipeline.script import format_error

        print(format_error(getattr(args, "prompt", "") or "", error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:
        import grpc

        if isinstance(error, grpc.RpcError):
            print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
            return EXIT_BAD_INPUT if error.code() == grpc.StatusCode.INVALID_ARGUMENT else 1
        raise


if __name__ == "__main__":
    sys.exit(main())
