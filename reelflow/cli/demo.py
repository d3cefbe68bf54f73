"""`reelflow demo`: serve locally, generate one clip over gRPC, stop."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from reelflow.cli import generate

# In the vocabulary of the world the tiny model is trained on (one subject and action per clip;
# framing, place, light and sound per shot), in everyday words.
DEMO_PROMPT = (
    "A red ball bouncing, a beep at each bounce. "
    "[0-2s] close-up, outdoors on a clear day, bright light "
    "[2-4s] wide shot, in a room, bright light"
)


def run(args: argparse.Namespace) -> int:
    """Start Serve locally, call the gRPC endpoint with a multi-shot prompt, stop cleanly."""
    from reelflow.services.hosts.ray import server

    began = time.perf_counter()
    config = server.start(server.read_raw_config(args.config), grpc_port=args.grpc_port)
    print(f"Ray Serve up in {time.perf_counter() - began:.1f}s", flush=True)
    try:
        args.server = f"127.0.0.1:{config.grpc_port}"
        args.prompt = args.prompt or DEMO_PROMPT
        print(f"prompt: {args.prompt}")
        return generate.run(args)
    finally:
        server.stop()
        print("Ray Serve stopped", flush=True)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="serve locally, generate one clip over gRPC, stop")
    demo.add_argument("prompt", nargs="?", default=None)
    demo.add_argument("-o", "--output", type=Path, default=Path("demo.mp4"))
    demo.add_argument("--config", type=Path)
    demo.add_argument("--grpc-port", type=int)
    demo.add_argument("--timeout", type=float, default=600.0)
    demo.add_argument("--seed", type=int, default=7)
    for name in ("duration", "fps", "size", "steps", "guidance"):
        demo.set_defaults(**{name: None})
    demo.set_defaults(ref=[], role=[], negative_prompt="", draft=False, cache_threshold=0.0)
    demo.set_defaults(parallel=1, cfg_parallel=False, model="reelflow-tiny")  # embedded-only
