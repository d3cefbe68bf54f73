"""`reelflow jobs ...` against the embedded server, and `reelflow serve --embedded` as a real
process answering gRPC and HTTP and stopping cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import yaml

from reelflow.cli.main import main
from reelflow.services.api.grpc.client import JobClient
from reelflow.services.hosts.ray.server import read_raw_config
from reelflow.services.jobs.settings import JobSettings
from tests.services.deployments.test_serve_e2e import free_port
from tests.services.embedded import ServerThread


def test_submit_wait_fetch_and_list(local_stages, tmp_path, capsys):
    with ServerThread(local_stages, JobSettings(store_dir=str(tmp_path / "store"))) as server:
        where = ("jobs", "--server", server.address)
        prompt = "[0-1s] a red ball [1-2s] it rolls"
        assert main([*where, "submit", prompt, "--steps", "2", "--seed", "4", "--wait"]) == 0
        job = json.loads(capsys.readouterr().out)
        assert job["state"] == "JOB_STATE_SUCCEEDED" and job["seed"] == "4"
        out = tmp_path / "out.mp4"
        assert main([*where, "fetch", job["jobId"], "-o", str(out)]) == 0
        assert out.read_bytes()[4:8] == b"ftyp"
        capsys.readouterr()
        assert main([*where, "list"]) == 0
        assert job["jobId"] in capsys.readouterr().out


def test_serve_embedded_process(tmp_path):
    port, http_port = free_port(), free_port()
    config = tmp_path / "serve.yaml"
    raw = read_raw_config(None)
    raw |= {"checkpoint": "none", "grpc_port": port, "jobs": {"store_dir": str(tmp_path)}}
    raw["http_port"] = http_port
    config.write_text(yaml.safe_dump(raw))
    process = subprocess.Popen(
        [sys.executable, "-m", "reelflow.cli.main", "serve", "--embedded", "--config", config],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        line = process.stdout.readline()
        assert f"serving gRPC on 127.0.0.1:{port}" in line, line
        with JobClient(f"127.0.0.1:{port}") as client:
            assert client.capabilities().preset == "tiny"
        assert f"HTTP API on http://127.0.0.1:{http_port}/v1" in line, line
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/v1/models", timeout=10) as r:
            assert json.load(r)["data"][0]["id"] == "reelflow-tiny"
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_submit_request_flags_reach_the_server(local_stages, tmp_path, capsys):
    with ServerThread(local_stages, JobSettings(store_dir=str(tmp_path / "store"))) as server:
        where = ("jobs", "--server", server.address, "submit", "a red ball")
        assert main([*where, "--cache-threshold", "2"]) == 2
        assert "cache_threshold" in capsys.readouterr().err
        assert main([*where, "--negative-prompt", "x" * 5001]) == 2
        assert "negative_prompt" in capsys.readouterr().err
        assert main([*where, "--callback-url", "http://example.com/hook"]) == 2  # not allowed
        assert "callback_url" in capsys.readouterr().err
        flags = ["--draft", "--negative-prompt", "red", "--cache-threshold", "0.1", "--wait"]
        assert main([*where, "--seed", "1", *flags]) == 0
        assert json.loads(capsys.readouterr().out)["state"] == "JOB_STATE_SUCCEEDED"
