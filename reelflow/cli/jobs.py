"""`reelflow jobs ...`: the job API from the command line, and `reelflow serve --embedded`
(the public API on a grpc.aio server in this process, no Ray)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path

from google.protobuf import json_format


def add_parser(sub) -> None:
    jobs = sub.add_parser("jobs", help="submit, watch, cancel, fetch and list jobs on a server")
    jobs.add_argument("--server", default="127.0.0.1:9000", help="HOST:PORT")
    jobs.add_argument("--api-key", help="sent as `authorization: Bearer KEY`")
    actions = jobs.add_subparsers(dest="action", required=True)
    submit = actions.add_parser("submit", help="queue a job and print it")
    submit.add_argument("prompt")
    submit.add_argument("--request-id", default="", help="idempotency key")
    submit.add_argument("--seed", type=int)
    submit.add_argument("--steps", type=int, default=0)
    submit.add_argument("--duration", type=float, default=0.0)
    submit.add_argument("--negative-prompt", default="", help="what the video should not show")
    submit.add_argument("--draft", action="store_true", help="few, shifted steps (unless --steps)")
    submit.add_argument("--cache-threshold", type=float, default=0.0, help="0 = off, at most 1")
    submit.add_argument("--priority", choices=["low", "normal", "high"], default="normal")
    submit.add_argument("--no-audio", action="store_true")
    submit.add_argument("--last-frame", action="store_true")
    submit.add_argument("--callback-url", default="", help="webhook for every state change")
    submit.add_argument("--wait", action="store_true", help="watch until it finishes")
    for name in ("get", "watch", "cancel"):
        actions.add_parser(name).add_argument("job_id")
    fetch = actions.add_parser("fetch", help="download the MP4 (or --last-frame PNG)")
    fetch.add_argument("job_id")
    fetch.add_argument("-o", "--output", type=Path, required=True)
    fetch.add_argument("--last-frame", action="store_true")
    listing = actions.add_parser("list")
    listing.add_argument("--limit", type=int, default=20)
    actions.add_parser("capabilities")


def _print(message) -> None:
    print(json.dumps(json_format.MessageToDict(message), indent=2))


def run(args: argparse.Namespace) -> int:
    from reelflow.services.api.grpc.client import JobClient
    from reelflow.v1 import generation_pb2 as pb

    with JobClient(args.server, api_key=args.api_key) as client:
        if args.action == "submit":
            request = pb.GenerateRequest(
                prompt=args.prompt,
                steps=args.steps,
                duration_s=args.duration,
                negative_prompt=args.negative_prompt,
                draft=args.draft,
                cache_threshold=args.cache_threshold,
                priority=pb.Priority.Value(f"PRIORITY_{args.priority.upper()}"),
                generate_audio=not args.no_audio,
                return_last_frame=args.last_frame,
                callback_url=args.callback_url,
            )
            if args.seed is not None:
                request.seed = args.seed
            job = client.submit(request, request_id=args.request_id)
            _print(client.wait(job.job_id) if args.wait else job)
        elif args.action == "get":
            _print(client.get(args.job_id))
        elif args.action == "watch":
            for job in client.watch(args.job_id):
                _print(job)
        elif args.action == "cancel":
            _print(client.cancel(args.job_id))
        elif args.action == "fetch":
            artifact = pb.ARTIFACT_LAST_FRAME_PNG if args.last_frame else pb.ARTIFACT_MP4
            data = client.fetch(args.job_id, artifact=artifact)
            args.output.write_bytes(data)
            print(f"wrote {args.output} ({len(data)} bytes)")
        elif args.action == "list":
            _print(client.list(page_size=args.limit))
        else:
            _print(client.capabilities())
    return 0


def _serve_metrics() -> None:
    """Prometheus metrics on 127.0.0.1:$REELFLOW_METRICS_PORT (default 8080, as on KubeRay;
    0 turns it off). A busy port costs the metrics, not the server."""
    import os

    from reelflow.services import metrics

    port = int(os.environ.get("REELFLOW_METRICS_PORT", "8080"))
    if port:
        try:
            _, bound = metrics.serve_http("127.0.0.1", port)
            print(f"metrics on http://127.0.0.1:{bound}/metrics", flush=True)
        except OSError as error:
            print(f"warning: no metrics endpoint on port {port}: {error}", flush=True)


def run_embedded_serve(
    config_path: Path | None, port: int | None, tls: tuple | None, http_port: int | None = None
) -> int:
    """Serve the public API (gRPC and HTTP) from this process until SIGINT/SIGTERM."""
    from reelflow.services.config import load_config
    from reelflow.services.hosts.embedded import TlsFiles, start_embedded

    config = load_config(config_path)
    files = TlsFiles(Path(tls[0]), Path(tls[1])) if tls else None

    async def serve() -> None:
        http = config.http_port if http_port is None else http_port
        server = await start_embedded(config, port=port, tls=files, http_port=http)
        scheme = "TLS" if files else "plaintext"
        web = "https" if files else "http"
        print(
            f"reelflow (embedded, {scheme}) serving gRPC on 127.0.0.1:{server.port} and the"
            f" HTTP API on {web}://127.0.0.1:{server.http_port}/v1",
            flush=True,
        )
        _serve_metrics()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.stop(grace_s=2.0)

    asyncio.run(serve())
    return 0
