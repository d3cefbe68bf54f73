"""Numbers of the HTTP API through a local Ray Serve (the Serve HTTP proxy + the Orchestrator
ingress): `python -m bench.http_api [--quick]`.

- POST /v1/videos and GET /v1/videos/{id} latency (p50/p95), plain HTTP on loopback;
- the polling overhead of the openai SDK's create_and_poll: its wall time minus the job's own
  time (submission to finish, as the store records it);
- webhook delivery delay: the event written (with the state change) to the receiver's 2xx,
  as the outbox records it, and to arrival at a loopback receiver.

Prints a table and writes bench/results/http_api[-quick].json. Not a test.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
import urllib.request
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.served import free_port

PROMPT = "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"
RESULTS = Path(__file__).resolve().parent / "results"


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


def call(method: str, url: str, body: dict | None = None) -> tuple[float, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"content-type": "application/json"}, method=method)
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    return time.perf_counter() - began, answer


class Arrivals:
    """A loopback webhook receiver that notes when each message arrives (2xx at once)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                arrivals.times[self.headers["webhook-id"]] = time.time()
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def run(quick: bool) -> dict:
    import openai

    from reelflow.services.hosts.ray import server
    from reelflow.services.jobs.store import open_store

    posts, gets, polls, steps = (10, 30, 2, 4) if quick else (40, 200, 6, 8)
    root = Path(tempfile.mkdtemp(prefix="rf-bench-http-"))
    os.environ["REELFLOW_RAY_TMPDIR"] = str(root / "ray")
    os.environ["REELFLOW_WEBHOOK_SECRET"] = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    arrivals = Arrivals()
    raw = server.read_raw_config(None)
    raw |= {"checkpoint": "none", "webhooks": {"allowed_hosts": ["127.0.0.1"]}}
    raw["jobs"] = {**raw["jobs"], "store_dir": str(root / "store")}
    config = server.start(raw, grpc_port=free_port(), http_port=free_port())
    base = f"http://127.0.0.1:{config.http_port}/v1"
    try:
        body = {"prompt": PROMPT, "seed": 3, "num_inference_steps": 1}
        call("POST", f"{base}/videos", body)  # warm-up: the first request builds the route
        post_s = []
        for _ in range(posts):
            seconds, video = call("POST", f"{base}/videos", body)
            post_s.append(seconds)
            call("DELETE", f"{base}/videos/{video['id']}")  # keep the runner idle
        _, done = call("POST", f"{base}/videos", body)
        client = openai.OpenAI(base_url=base, api_key="unused", max_retries=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the SDK marks videos.*
            client.videos.poll(done["id"])
            get_s = [call("GET", f"{base}/videos/{done['id']}")[0] for _ in range(gets)]
            poll_s, job_s, hooked = [], [], []
            for _ in range(polls):
                began = time.perf_counter()
                video = client.videos.create_and_poll(
                    prompt=PROMPT,
                    extra_body={
                        "seed": 3,
                        "num_inference_steps": steps,
                        "callback_url": arrivals.url,
                    },
                )
                poll_s.append(time.perf_counter() - began)
                hooked.append(video.id)
        store = open_store("", root / "store")
        for video_id in hooked:
            record = store.get(video_id)
            job_s.append(record.finished_at - record.created_at)
        time.sleep(2.0)  # the last events' deliveries
        outbox, arrival = [], []
        for video_id in hooked:
            rows = store.database.execute(
                "SELECT event_id, created_at, delivered_at FROM webhook_outbox WHERE job_id = ?",
                (video_id,),
            ).fetchall()
            for event_id, created, delivered in rows:
                if delivered is not None:
                    outbox.append(delivered - created)
                if event_id in arrivals.times:
                    arrival.append(arrivals.times[event_id] - created)
        store.close()
    finally:
        server.stop()
        arrivals.server.shutdown()
        shutil.rmtree(root, ignore_errors=True)
    overhead = [p - j for p, j in zip(poll_s, job_s, strict=True)]
    return {
        "post_videos_s": percentiles(post_s),
        "get_video_s": percentiles(get_s),
        "create_and_poll_s": percentiles(poll_s),
        "job_own_s": percentiles(job_s),
        "poll_overhead_s": percentiles(overhead),
        "poll_overhead_fraction": statistics.median(
            o / j for o, j in zip(overhead, job_s, strict=True)
        ),
        "webhook_outbox_delay_s": percentiles(outbox),
        "webhook_arrival_delay_s": percentiles(arrival),
        "steps": steps,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_api", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.quick)
    print("| measure | n | p50 | p95 | max |\n|---|---|---|---|---|")
    for name, value in figures.items():
        if isinstance(value, dict):
            print(f"| {name} | {value['n']} | {value['p50'] * 1e3:.1f} ms"
                  f" | {value['p95'] * 1e3:.1f} ms | {value['max'] * 1e3:.1f} ms |")  # fmt: skip
    share = figures["poll_overhead_fraction"]
    print(
        f"\ncreate_and_poll overhead: {share:.1%} of the job's own time ({figures['steps']} steps)"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"http_api{'-quick' if args.quick else ''}.json"
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                               "figures": figures}, indent=2) + "\n")  # fmt: skip
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
