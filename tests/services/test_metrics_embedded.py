"""A real Prometheus scrapes `reelflow serve --embedded` (a separate process, prometheus-client
metrics) and sees the jobs it ran; promtool check metrics is clean on what it exposes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import grpc
import pytest
import yaml

from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.services.api.grpc.client import generate_remote
from reelflow.services.config import DEFAULT_CONFIG
from tests.deploy.prometheus import free_port, prometheus, query, wait_for_value

PROMPT = "[0-1s] a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """`reelflow serve --embedded` on loopback ports; always stopped."""
    workdir = tmp_path_factory.mktemp("embedded")
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["checkpoint"] = "none"
    config["jobs"] = {**config.get("jobs", {}), "store_dir": str(workdir / "jobs")}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    grpc_port, metrics_port = free_port(), free_port()
    log = open(workdir / "serve.log", "wb")  # noqa: SIM115 - closed below
    command = [sys.executable, "-m", "reelflow.cli.main", "serve", "--embedded"]
    command += ["--config", str(workdir / "config.yaml"), "--grpc-port", str(grpc_port)]
    process = subprocess.Popen(
        command,
        env={**os.environ, "REELFLOW_METRICS_PORT": str(metrics_port)},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 120
        while b"metrics on http" not in (workdir / "serve.log").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "serve.log").read_text()[-3000:])
            time.sleep(0.3)
        yield f"127.0.0.1:{grpc_port}", f"127.0.0.1:{metrics_port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_prometheus_sees_the_jobs_the_embedded_server_ran(embedded, tmp_path):
    address, metrics_target = embedded
    reply = generate_remote(address, GenerationRequest(PROMPT, seed=5, steps=2), timeout_s=300)
    assert reply.result.mp4
    with pytest.raises(grpc.RpcError) as caught:
        generate_remote(address, GenerationRequest(""), timeout_s=60)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    with prometheus(tmp_path, [metrics_target]) as url:
        for state in ("queued", "running", "succeeded", "rejected"):
            assert wait_for_value(url, f'sum(reelflow_jobs_total{{state="{state}"}})', 1) == 1
        assert wait_for_value(url, 'sum(reelflow_errors_total{code="INVALID_ARGUMENT"})', 1) == 1
        assert wait_for_value(url, "sum(reelflow_generated_video_seconds_total)", 2.0) == 2.0
        assert query(url, "sum(reelflow_jobs_in_flight)")[0]["value"][1] == "0"
        assert float(query(url, "sum(reelflow_job_queue_wait_seconds_count)")[0]["value"][1]) == 1
        done = query(url, 'sum(reelflow_job_duration_seconds_count{state="succeeded"})')
        assert done[0]["value"][1] == "1"
        assert query(url, 'up{job="reelflow"}')[0]["value"][1] == "1"


def test_embedded_exposition_is_clean_for_promtool(embedded):
    _, metrics_target = embedded
    body = urllib.request.urlopen(f"http://{metrics_target}/metrics", timeout=10).read()
    assert b"reelflow_jobs_total" in body
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30
    )
    assert check.returncode == 0 and not check.stdout + check.stderr, check.stderr
