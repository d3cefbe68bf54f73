"""Two servers (two Orchestrator replicas, as on two nodes) sharing one real PostgreSQL job
store: a job accepted by one is visible to, run by and fetched from either, and a job whose
runner dies mid-way is finished by the other."""

from __future__ import annotations

import time

import pytest

from reelflow.services.api.grpc.client import JobClient
from reelflow.services.jobs.settings import JobSettings
from reelflow.v1 import generation_pb2 as pb
from tests.services.embedded import ServerThread
from tests.services.postgres import PostgresServer

PROMPT = "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"


@pytest.fixture(scope="module")
def postgres():
    with PostgresServer() as server:
        yield server


def test_replicas_share_jobs_and_finish_each_others_work(local_stages, postgres, tmp_path):
    jobs = JobSettings(
        store_url=postgres.url, store_dir=str(tmp_path), workers=1, lease_s=1.0, max_attempts=3
    )
    first, second = ServerThread(local_stages, jobs), ServerThread(local_stages, jobs)
    try:
        with JobClient(first.address) as a, JobClient(second.address) as b:
            done = a.submit(pb.GenerateRequest(prompt=PROMPT, seed=1, steps=2))
            final = b.wait(done.job_id, timeout_s=120)  # watched through the other replica
            assert final.state == pb.JOB_STATE_SUCCEEDED
            assert b.fetch(done.job_id) == a.fetch(done.job_id)
            assert b.fetch(done.job_id)[4:8] == b"ftyp"  # an MP4, stored in PostgreSQL

            long = b.submit(pb.GenerateRequest(prompt=PROMPT, seed=2, steps=40))
            end = time.monotonic() + 60
            while (record := first.store.get(long.job_id)).state != "RUNNING":
                assert time.monotonic() < end, "the job never started"
                time.sleep(0.05)
            ran_on_first = record.worker == first.server.service.runner.worker_id
            runner, survivor = (first, second) if ran_on_first else (second, first)
        runner.stop()  # the replica running the job dies; its heartbeat goes stale
        with JobClient(survivor.address) as client:
            final = client.wait(long.job_id, timeout_s=180)
            assert final.state == pb.JOB_STATE_SUCCEEDED and final.attempts == 2
            assert len(client.fetch(long.job_id)) == final.video.mp4_bytes
    finally:
        for server in (first, second):
            if server.loop.is_running():
                server.stop()
