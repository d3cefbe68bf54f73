"""The webhook outbox on both databases (SQLite and a real PostgreSQL): one event per state
change, written with the change; leased so two senders never take one event; per-job order;
an acknowledged event is never taken again; retries wait their backoff; events survive the
job's deletion until delivered."""

from __future__ import annotations

from reelflow.services.jobs.records import JobState
from reelflow.services.jobs.webhooks.outbox import Outbox
from tests.services.jobs import test_job_store as stores
from tests.services.jobs.test_job_store import NOW, job

postgres, open_store = stores.postgres, stores.open_store  # the same fixtures: both databases

URL = "http://127.0.0.1:9/hook"


def submit(store, record, callback_url=URL):
    return store.submit(record, "h", 100, 100, callback_url=callback_url)


def test_each_state_change_writes_one_event(open_store):
    store = open_store()
    outbox = Outbox(store.database)
    record = job()
    submit(store, record)
    submit(store, job(created=NOW + 0.5), callback_url="")  # no callback: no events
    claimed = store.claim("w1", NOW + 1)
    assert claimed.job_id == record.job_id
    store.heartbeat(record.job_id, "w1", NOW + 2, ("denoising", 1, 2, 0.1))  # not a change
    assert store.finish(record.job_id, "w1", JobState.SUCCEEDED, NOW + 3)
    store.cancel(record.job_id, NOW + 4)  # already finished: no change, no event
    events = outbox.events(record.job_id)
    assert [e["state"] for e in events] == ["QUEUED", "RUNNING", "SUCCEEDED"]
    assert [e["event_id"] for e in events] == [
        f"msg_{record.job_id}_queued_0",
        f"msg_{record.job_id}_running_1",
        f"msg_{record.job_id}_succeeded_1",
    ]


def test_due_events_are_leased_in_order_and_never_resent_once_delivered(open_store):
    first, second = open_store(), open_store()  # two replicas on one database
    record = job()
    submit(first, record)
    first.claim("w1", NOW + 1)
    a, b = Outbox(first.database), Outbox(second.database)
    (taken,) = a.take_due(NOW + 2, lease_s=10)  # only the oldest event of the job
    assert taken.state == "QUEUED" and taken.attempts == 0
    assert b.take_due(NOW + 3, lease_s=10) == []  # leased by the other sender
    a.failed(taken.event_id, "HTTP 500", retry_at=NOW + 20)
    assert b.take_due(NOW + 19, lease_s=10) == []  # waiting out its backoff
    (again,) = b.take_due(NOW + 20, lease_s=10)
    assert again.event_id == taken.event_id and again.attempts == 1
    b.delivered(again.event_id, NOW + 21)
    (running,) = a.take_due(NOW + 22, lease_s=10)
    assert running.state == "RUNNING"  # the next one of the job, now that QUEUED went out
    a.delivered(running.event_id, NOW + 23)
    assert a.take_due(NOW + 10**6, lease_s=10) == []  # delivered events never come back


def test_a_dead_event_stops_blocking_and_deleted_jobs_still_deliver(open_store):
    store = open_store()
    outbox = Outbox(store.database)
    record = job()
    submit(store, record)
    store.cancel(record.job_id, NOW + 1)
    (queued,) = outbox.take_due(NOW + 2, lease_s=1)
    outbox.failed(queued.event_id, "refused", retry_at=None)  # given up
    assert store.delete(record.job_id) and store.get(record.job_id) is None
    (cancelled,) = outbox.take_due(NOW + 3, lease_s=1)
    assert cancelled.state == "CANCELLED" and cancelled.failure_code == "CANCELLED"
    assert [e["dead"] for e in outbox.events(record.job_id)] == [1, 0]


def test_sweeps_write_events_for_expired_and_restarted_jobs(open_store):
    store = open_store()
    outbox = Outbox(store.database)
    late, lost = job(), job(created=NOW + 1)
    submit(store, late)
    submit(store, lost)
    store.claim("w1", NOW + 2)  # takes `late` (older); leave `lost` queued past its timeout
    store.sweep(NOW + 150, lease_s=20, max_attempts=2, record_ttl_s=10**6)
    assert [e["state"] for e in outbox.events(late.job_id)] == ["QUEUED", "RUNNING", "QUEUED"]
    assert [e["state"] for e in outbox.events(lost.job_id)] == ["QUEUED", "EXPIRED"]
