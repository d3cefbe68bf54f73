"""A real Prometheus server (Debian `prometheus`) on loopback for tests, and PromQL queries."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def prometheus(
    workdir: Path, targets: list[str], relabel: list[dict[str, Any]] | None = None
) -> Iterator[str]:
    """Starts Prometheus scraping `targets` every second; yields its base URL; always stops it."""
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {
                "job_name": "reelflow",
                "static_configs": [{"targets": targets}],
                "metric_relabel_configs": relabel or [],
            }
        ],
    }
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = open(workdir / "prometheus.log", "wb")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/-/ready", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((workdir / "prometheus.log").read_text()[-2000:]) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def query(url: str, promql: str) -> list[dict[str, Any]]:
    """The instant-vector result of a PromQL query (Prometheus HTTP API)."""
    address = f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(address, timeout=10) as response:
        body = json.load(response)
    assert body["status"] == "success", body
    return body["data"]["result"]


def wait_for_value(url: str, promql: str, at_least: float, timeout_s: float = 60) -> float:
    """Polls until the query's single value reaches `at_least`; returns it (or fails)."""
    deadline, last = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        result = query(url, promql)
        if result:
            last = float(result[0]["value"][1])
            if last >= at_least:
                return last
        time.sleep(1)
    raise AssertionError(f"{promql} = {last}, wanted >= {at_least} within {timeout_s}s")
