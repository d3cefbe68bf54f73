"""Bounded loopback load test of the job API: N jobs from C concurrent clients, with a few
cancels and bad requests mixed in. Every job must reach a terminal state and the counts must
add up (nothing lost, nothing duplicated). Prints throughput and p50/p95 job latency.

    .venv/bin/python -m bench.load_test --embedded --jobs 40 --clients 10
    .venv/bin/python -m bench.load_test --served --jobs 40 --clients 10   # local Ray Serve
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from reelflow.services.api.grpc.client import JobClient
from reelflow.v1 import generation_pb2 as pb

PROMPTS = (
    "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum",
    "[0-2s] a blue square slides left while a bell rings",
)
STATE_NAMES = {value: name for name, value in pb.JobState.items()}


@dataclass
class LoadReport:
    jobs: int
    clients: int
    wall_s: float = 0.0
    submitted: int = 0
    rejected_invalid: int = 0
    rejected_overload: int = 0  # still RESOURCE_EXHAUSTED after the client's retries
    overload_retries: int = 0  # RESOURCE_EXHAUSTED answers the clients waited out (RetryInfo)
    cancel_requested: int = 0
    final_states: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    not_terminal: int = 0
    latency_p50_s: float = 0.0
    latency_p95_s: float = 0.0
    throughput_jobs_per_s: float = 0.0

    @property
    def adds_up(self) -> bool:
        return (
            self.duplicates == 0
            and self.not_terminal == 0
            and sum(self.final_states.values()) == self.submitted
            and self.submitted + self.rejected_invalid + self.rejected_overload == self.jobs
        )


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _submit_with_retries(client, request, request_id, report, lock, attempts=30) -> pb.Job:
    """Submit; on RESOURCE_EXHAUSTED wait what google.rpc.RetryInfo says (capped) and retry."""
    for attempt in range(attempts):
        try:
            return client.submit(request, request_id=request_id)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.RESOURCE_EXHAUSTED or attempt == attempts - 1:
                raise
            delay = 1.0
            for detail in rpc_status.from_call(error).details:
                retry = error_details_pb2.RetryInfo()
                if detail.Unpack(retry):
                    delay = retry.retry_delay.seconds + retry.retry_delay.nanos / 1e9
            with lock:
                report.overload_retries += 1
            time.sleep(min(delay, 2.0))
    raise AssertionError("unreachable")


def run_load(
    address: str,
    jobs: int = 40,
    clients: int = 10,
    steps: int = 4,
    cancel_every: int = 10,
    bad_every: int = 13,
    api_key: str | None = None,
    timeout_s: float = 900.0,
) -> LoadReport:
    """Job i is a bad request when i % bad_every == bad_every - 1, and is cancelled right after
    submission when i % cancel_every == cancel_every - 1; the rest run to the end."""
    report = LoadReport(jobs=jobs, clients=clients)
    lock = threading.Lock()
    seen: dict[str, pb.Job] = {}
    latencies: list[float] = []
    began = time.perf_counter()

    def one(i: int) -> None:
        with JobClient(address, api_key=api_key) as client:
            bad = i % bad_every == bad_every - 1
            request = pb.GenerateRequest(
                prompt="" if bad else PROMPTS[i % len(PROMPTS)], seed=i, steps=steps
            )
            submitted = time.perf_counter()
            try:
                job = _submit_with_retries(client, request, f"load-{i}", report, lock)
                again = client.submit(request, request_id=f"load-{i}")  # a client's retry
            except grpc.RpcError as error:
                with lock:
                    if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
                        report.rejected_invalid += 1
                    elif error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                        report.rejected_overload += 1
                    else:
                        raise
                return
            with lock:
                report.submitted += 1
                if job.job_id in seen or again.job_id != job.job_id:
                    report.duplicates += 1
                seen[job.job_id] = job
            if i % cancel_every == cancel_every - 1:
                client.cancel(job.job_id)
                with lock:
                    report.cancel_requested += 1
            final = client.wait(job.job_id, timeout_s)
            with lock:
                seen[job.job_id] = final
                if final.state == pb.JOB_STATE_SUCCEEDED:
                    latencies.append(time.perf_counter() - submitted)

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(one, i) for i in range(jobs)]:
            future.result()
    report.wall_s = time.perf_counter() - began
    with JobClient(address, api_key=api_key) as client:
        listed = {}
        token = ""
        while True:
            page = client.list(page_size=100, page_token=token)
            listed.update({job.job_id: job for job in page.jobs})
            if not (token := page.next_page_token):
                break
    mine = {job_id: listed[job_id] for job_id in seen if job_id in listed}
    report.not_terminal = sum(
        job.state in (pb.JOB_STATE_QUEUED, pb.JOB_STATE_RUNNING) for job in mine.values()
    ) + (len(seen) - len(mine))
    report.final_states = dict(Counter(STATE_NAMES[job.state] for job in mine.values()))
    report.latency_p50_s = statistics.median(latencies) if latencies else 0.0
    report.latency_p95_s = _percentile(latencies, 0.95)
    succeeded = report.final_states.get("JOB_STATE_SUCCEEDED", 0)
    report.throughput_jobs_per_s = succeeded / report.wall_s
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--embedded", action="store_true", help="grpc.aio server, local stages")
    where.add_argument("--served", action="store_true", help="a local Ray Serve stack")
    where.add_argument("--address", help="an already running server")
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    stop = lambda: None  # noqa: E731
    address = args.address
    if args.embedded:
        import tempfile

        from reelflow.pipeline.generation.embedded import LocalStages
        from reelflow.pipeline.model.presets import get_preset
        from reelflow.services.jobs.settings import JobSettings
        from tests.services.embedded import ServerThread

        jobs = JobSettings(store_dir=tempfile.mkdtemp(prefix="reelflow-load-"), workers=4)
        server = ServerThread(LocalStages(get_preset("tiny"), None), jobs)
        address, stop = server.address, server.stop
    elif args.served:
        from bench import served
        from reelflow.services.hosts.ray import server as serve_server

        address, stop = served.address(), serve_server.stop
    try:
        report = run_load(address, args.jobs, args.clients, args.steps)
    finally:
        stop()
    print(json.dumps(asdict(report) | {"adds_up": report.adds_up}, indent=2))
    return 0 if report.adds_up else 1


if __name__ == "__main__":
    raise SystemExit(main())
