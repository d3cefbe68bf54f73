"""The job store on both of its databases: SQLite (one node) and a real PostgreSQL server
(shared by the replicas of a cluster). The same behaviour is asserted on each; the PostgreSQL
cases open several stores on one database, as separate Orchestrator replicas would."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import psycopg
import pytest

from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.services.jobs.records import JobRecord, JobState, VideoMeta
from reelflow.services.jobs.requests import JobRequest
from reelflow.services.jobs.store import JobStore, QueueFull, QuotaExceeded, RequestIdReused
from reelflow.services.jobs.store import open_store as open_job_store
from tests.services.postgres import PostgresServer

NOW = 1_000_000.0


@pytest.fixture(scope="module")
def postgres():
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request, tmp_path):
    """A factory: each call is another replica's connection to the same database."""
    if request.param == "postgres":
        server = request.getfixturevalue("postgres")
        database = f"jobs_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server.url, autocommit=True) as admin:  # a fresh database per test
            admin.execute(f"CREATE DATABASE {database}")
        url = server.url.rsplit("/", 1)[0] + f"/{database}"
    else:
        url = ""
    stores: list[JobStore] = []

    def make() -> JobStore:
        stores.append(open_job_store(url, tmp_path))
        return stores[-1]

    yield make
    for store in stores:
        store.close()


def job(owner="alice", priority=2, created=NOW, request_id="", **fields) -> JobRecord:
    return JobRecord(
        job_id=uuid.uuid4().hex,
        owner=owner,
        request_id=request_id,
        request=JobRequest(GenerationRequest("a red ball", references={"image1": b"\x00png\xff"})),
        priority=priority,
        state=JobState.QUEUED,
        created_at=created,
        queue_expires_at=created + 100,
        deadline_at=created + 1000,
        **fields,
    )


def submit(store: JobStore, record: JobRecord, request_hash="h", max_queued=100, max_active=100):
    return store.submit(record, request_hash, max_queued, max_active)


def test_records_round_trip_and_request_ids_are_idempotent(open_store):
    store = open_store()
    first = job(request_id="r1")
    assert submit(store, first) == (first, True)
    again, created = submit(store, job(request_id="r1"))
    assert not created and again.job_id == first.job_id
    with pytest.raises(RequestIdReused):
        submit(store, job(request_id="r1"), request_hash="other")
    assert store.get(first.job_id) == first  # every field, bytes and floats included
    assert store.get(uuid.uuid4().hex) is None


def test_queue_bound_and_per_key_quota(open_store):
    store = open_store()
    submit(store, job(owner="a"), max_queued=2)
    submit(store, job(owner="a"), max_queued=2)
    with pytest.raises(QueueFull):
        submit(store, job(owner="b"), max_queued=2)
    with pytest.raises(QuotaExceeded):
        submit(store, job(owner="a"), max_active=2)
    assert store.counts()["QUEUED"] == 2 and store.counts("b")["QUEUED"] == 0


def test_claims_follow_priority_then_age_and_list_pages(open_store):
    store = open_store()
    low = job(priority=1, created=NOW)
    old = job(priority=2, created=NOW + 1)
    new = job(priority=2, created=NOW + 2)
    high = job(priority=3, created=NOW + 3)
    for record in (low, new, high, old):
        submit(store, record)
    order = [store.claim("w", NOW + 10).job_id for _ in range(4)]
    assert order == [high.job_id, old.job_id, new.job_id, low.job_id]
    assert store.claim("w", NOW + 10) is None
    page = store.list("alice", (JobState.RUNNING,), 2, None)
    assert [r.job_id for r in page] == [high.job_id, new.job_id]
    rest = store.list("alice", (), 10, (page[-1].created_at, page[-1].job_id))
    assert [r.job_id for r in rest] == [old.job_id, low.job_id]


def test_replicas_claiming_at_once_never_take_the_same_job(open_store):
    replicas = [open_store() for _ in range(3)]
    records = [job(created=NOW + i) for i in range(30)]
    for record in records:
        submit(replicas[0], record)
    claimed: dict[str, list[str]] = {}

    def drain(index: int) -> None:
        store, mine = replicas[index], claimed.setdefault(str(index), [])
        while (record := store.claim(f"w{index}", NOW + 50)) is not None:
            mine.append(record.job_id)

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(replicas))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    taken = [job_id for ids in claimed.values() for job_id in ids]
    assert sorted(taken) == sorted(r.job_id for r in records)  # each exactly once
    for index, ids in claimed.items():
        assert all(replicas[1].get(job_id).worker == f"w{index}" for job_id in ids)


def test_dead_runner_jobs_restart_then_fail_and_results_expire(open_store):
    store, other = open_store(), open_store()
    record = job()
    submit(store, record)
    assert store.claim("w1", NOW).attempts == 1
    counts = other.sweep(NOW + 30, lease_s=20, max_attempts=2, record_ttl_s=1e6)
    assert counts["restarted"] == 1 and other.get(record.job_id).state == JobState.QUEUED
    assert other.claim("w2", NOW + 31).attempts == 2
    assert store.heartbeat(record.job_id, "w1", NOW + 32, None) is None  # w1 lost it
    counts = store.sweep(NOW + 60, lease_s=20, max_attempts=2, record_ttl_s=1e6)
    assert counts["abandoned"] == 1
    final = other.get(record.job_id)
    assert final.state == JobState.FAILED and final.failure_code == "UNAVAILABLE"
    assert "2 times" in final.failure_reason


def test_videos_are_shared_by_replicas_and_expire_with_their_ttl(open_store):
    store, other = open_store(), open_store()
    record = job()
    submit(store, record)
    store.claim("w", NOW)
    mp4 = bytes(range(256)) * 4000  # ~1 MB, every byte value
    store.put_artifact(record.job_id, ".mp4", mp4)
    store.put_artifact(record.job_id, ".png", b"an earlier frame")
    store.put_artifact(record.job_id, ".png", b"png")  # a second put replaces the first
    meta = VideoMeta(1.0, 12, 64, 64, 16000, 12, 3, len(mp4), True, {"temporal": 1.5})
    assert store.finish(record.job_id, "w", JobState.SUCCEEDED, NOW + 1, video=meta, result_ttl_s=5)
    finished = other.get(record.job_id)
    assert finished.video == meta and finished.video_available
    assert other.get_artifact(record.job_id, ".mp4") == mp4
    assert other.get_artifact(record.job_id, ".png") == b"png"
    assert other.sweep(NOW + 3, lease_s=20, max_attempts=2, record_ttl_s=1e6)["videos_deleted"] == 0
    assert other.sweep(NOW + 7, lease_s=20, max_attempts=2, record_ttl_s=1e6)["videos_deleted"] == 1
    assert store.get_artifact(record.job_id, ".mp4") is None
    assert store.get_artifact(record.job_id, ".png") is None
    assert not store.get(record.job_id).video_available
    with pytest.raises(ValueError):
        store.get_artifact("../../etc/passwd", ".mp4")


def test_cancel_is_seen_by_the_running_replica(open_store):
    store, other = open_store(), open_store()
    record = job()
    submit(store, record)
    store.claim("w", NOW)
    assert other.cancel(record.job_id, NOW + 1).state == JobState.CANCELLED
    state = store.heartbeat(record.job_id, "w", NOW + 2, ("temporal", 3, 8, 1.0))
    assert state == JobState.CANCELLED
    assert not store.finish(record.job_id, "w", JobState.SUCCEEDED, NOW + 3)
    assert store.get(record.job_id).state == JobState.CANCELLED


def test_postgres_store_reconnects_after_its_connection_is_killed(postgres, tmp_path: Path):
    store, admin = open_job_store(postgres.url, tmp_path), open_job_store(postgres.url, tmp_path)
    try:
        (pid,) = store._db.execute("SELECT pg_backend_pid()").fetchone()
        admin._db.execute("SELECT pg_terminate_backend(?)", (pid,))
        outcomes = []
        for _ in range(2):  # the call that finds the dead connection may fail; the next works
            try:
                outcomes.append(store.counts())
            except Exception as error:  # psycopg.OperationalError
                outcomes.append(type(error).__name__)
        assert isinstance(outcomes[-1], dict)
        (new_pid,) = store._db.execute("SELECT pg_backend_pid()").fetchone()
        assert new_pid != pid
    finally:
        store.close()
        admin.close()
