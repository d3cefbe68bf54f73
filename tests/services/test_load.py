"""A small bounded load test on the embedded server (the full one: bench/load_test.py): every
job reaches a terminal state, retried submissions are not duplicated, the counts add up."""

from __future__ import annotations

from bench.load_test import run_load
from reelflow.services.jobs.settings import JobSettings
from tests.services.embedded import ServerThread


def test_small_load_every_job_terminal_and_counts_add_up(local_stages, tmp_path):
    jobs = JobSettings(store_dir=str(tmp_path), workers=3, max_queued=64)
    with ServerThread(local_stages, jobs) as server:
        report = run_load(server.address, jobs=12, clients=4, steps=2, cancel_every=5, bad_every=6)
    assert report.adds_up, report
    assert report.rejected_invalid == 2 and report.submitted == 10 and report.duplicates == 0
    succeeded = report.final_states.get("JOB_STATE_SUCCEEDED", 0)
    cancelled = report.final_states.get("JOB_STATE_CANCELLED", 0)
    assert succeeded + cancelled == 10 and 1 <= cancelled <= 2
    assert 0 < report.latency_p50_s <= report.latency_p95_s
