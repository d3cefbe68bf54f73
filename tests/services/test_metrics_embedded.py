"""A real Prometheus scrapes the embedded server's metrics (prometheus-client) and sees the
jobs it ran. The embedded grpc.aio server runs in-process here (tests/services/embedded.py)."""

from __future__ import annotations

import grpc
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from reelflow.pipeline.request import GenerationRequest
from reelflow.services import metrics
from reelflow.services.client import generate_remote
from reelflow.services.jobs.settings import JobSettings
from tests.deploy.prometheus import prometheus, query, wait_for_value
from tests.services.embedded import ServerThread

PROMPT = "[0-1s] a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"


def registry_value(name: str, **labels: str) -> float:
    """This process's current value (other tests in the session may have recorded some)."""
    text = generate_latest(metrics.REGISTRY).decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def test_prometheus_sees_the_jobs_the_embedded_server_ran(local_stages, tmp_path):
    before = {
        state: registry_value("reelflow_jobs_total", state=state)
        for state in ("queued", "running", "succeeded", "rejected")
    }
    video_before = registry_value("reelflow_generated_video_seconds_total")
    jobs = JobSettings(store_dir=str(tmp_path / "jobs"), workers=1, max_queued=4)
    with ServerThread(local_stages, jobs) as server:
        reply = generate_remote(
            server.address, GenerationRequest(PROMPT, seed=5, steps=2), timeout_s=300
        )
        assert reply.result.mp4
        with pytest.raises(grpc.RpcError) as caught:
            generate_remote(server.address, GenerationRequest(""), timeout_s=60)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    http, port = metrics.serve_http("127.0.0.1", 0)
    try:
        with prometheus(tmp_path, [f"127.0.0.1:{port}"]) as url:
            for state, delta in (("queued", 1), ("running", 1), ("succeeded", 1), ("rejected", 1)):
                promql = f'sum(reelflow_jobs_total{{state="{state}"}})'
                assert wait_for_value(url, promql, before[state] + delta) == before[state] + delta
            seconds = wait_for_value(
                url, "sum(reelflow_generated_video_seconds_total)", video_before + 2.0
            )
            assert seconds == video_before + 2.0
            assert query(url, "sum(reelflow_jobs_in_flight)")[0]["value"][1] == "0"
            waits = query(url, "sum(reelflow_job_queue_wait_seconds_count)")
            assert float(waits[0]["value"][1]) >= 1
            up = query(url, 'up{job="reelflow"}')
            assert up[0]["value"][1] == "1"
    finally:
        http.shutdown()
