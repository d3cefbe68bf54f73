"""`reelflow serve`: Ray Serve with every stage (or, with --embedded, one process) until
interrupted."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from pathlib import Path

from reelflow.cli.generate import EXIT_BAD_INPUT


def run(args: argparse.Namespace) -> int:
    if (args.tls_cert is None) != (args.tls_key is None):
        print("error: give both --tls-cert and --tls-key", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.embedded or args.tls_cert:
        from reelflow.cli import jobs

        tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
        return jobs.run_embedded_serve(args.config, args.grpc_port, tls, args.http_port)
    from reelflow.services.hosts.ray import server

    config = server.start(
        server.read_raw_config(args.config),
        address=args.address,
        grpc_port=args.grpc_port,
        http_port=args.http_port,
    )
    print(
        f"reelflow serving gRPC on 127.0.0.1:{config.grpc_port} and the HTTP API on"
        f" http://127.0.0.1:{config.http_port}/v1; Ctrl-C stops",
        flush=True,
    )
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


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run Ray Serve with every stage until interrupted")
    serve.add_argument("--config", type=Path, help="serving config YAML (default: packaged)")
    serve.add_argument("--grpc-port", type=int)
    serve.add_argument(
        "--http-port", type=int, help="the OpenAI-compatible HTTP API (default: config, 8000)"
    )
    serve.add_argument("--address", help="an existing Ray cluster to deploy on")
    serve.add_argument(
        "--embedded", action="store_true", help="no Ray: one process, stages as local objects"
    )
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate chain (embedded: TLS)")
    serve.add_argument("--tls-key", type=Path, help="PEM private key (embedded: TLS)")
