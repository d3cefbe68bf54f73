"""The webhook outbox: pending deliveries as rows of the job store's own database.

An event row is written in the same transaction as the state change it reports (the store
calls `notify`), so no change is lost between the two, and a restarted server finds what it
had not delivered yet. An event's id is its job, state and attempt number ("msg_<job>_running_1"),
so writing it again is a no-op: each change is one event, whichever replica saw it. A sender
takes due events under a lease (their next attempt moved past the delivery time-out), so two
senders never deliver one event at once; an acknowledged event is marked and never sent again.
Events of one job go out in order: an event waits while an earlier one of its job is pending.
"""

from __future__ import annotations

from dataclasses import dataclass

from reelflow.services.jobs.database import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_targets (
    job_id TEXT PRIMARY KEY,
    url TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_outbox (
    event_id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    url TEXT NOT NULL,
    state TEXT NOT NULL,
    failure_code TEXT NOT NULL DEFAULT '',
    failure_reason TEXT NOT NULL DEFAULT '',
    created_at DOUBLE PRECISION NOT NULL,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivered_at DOUBLE PRECISION,
    dead INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS webhook_pending ON webhook_outbox (delivered_at, dead, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_job ON webhook_outbox (job_id, created_at);
"""
_PENDING = "delivered_at IS NULL AND dead = 0"


@dataclass(frozen=True)
class Event:
    event_id: str
    job_id: str
    url: str
    state: str  # the JobState the job entered
    failure_code: str
    failure_reason: str
    created_at: float
    attempts: int  # delivery attempts made before this one


def add_target(db: Database, job_id: str, url: str) -> None:
    db.execute("INSERT INTO webhook_targets VALUES (?, ?)", (job_id, url))


def notify(db: Database, job_ids: list[str] | None, now: float) -> None:
    """Write an event for the current state of these jobs (None: every job with a target)
    unless one was written already. Call inside the transaction that changed the state."""
    if job_ids is not None and not job_ids:
        return
    where = "1 = 1"
    args: list = [now, now]
    if job_ids is not None:
        where = f"j.job_id IN ({', '.join('?' * len(job_ids))})"
        args += job_ids
    # The WHERE also keeps SQLite from reading ON CONFLICT as part of the join.
    db.execute(
        "INSERT INTO webhook_outbox (event_id, job_id, url, state, failure_code,"
        " failure_reason, created_at, next_attempt_at)"
        " SELECT 'msg_' || j.job_id || '_' || lower(j.state) || '_' || CAST(j.attempts AS TEXT),"
        " j.job_id, t.url, j.state, j.failure_code, j.failure_reason, ?, ?"
        f" FROM jobs j JOIN webhook_targets t ON t.job_id = j.job_id WHERE {where}"
        " ON CONFLICT (event_id) DO NOTHING",
        args,
    )


def forget_targets(db: Database, job_ids: list[str]) -> None:
    for start in range(0, len(job_ids), 500):
        chunk = job_ids[start : start + 500]
        db.execute(
            f"DELETE FROM webhook_targets WHERE job_id IN ({', '.join('?' * len(chunk))})", chunk
        )


def purge(db: Database, before: float) -> None:
    """Forget delivered and abandoned events written before `before`."""
    db.execute(f"DELETE FROM webhook_outbox WHERE NOT ({_PENDING}) AND created_at <= ?", (before,))


class Outbox:
    def __init__(self, db: Database):
        self._db = db

    def take_due(self, now: float, lease_s: float, limit: int = 16) -> list[Event]:
        """Due events, each the oldest pending one of its job, leased for `lease_s`."""

        def take(db: Database) -> list[Event]:
            rows = db.execute(
                "SELECT event_id, job_id, url, state, failure_code, failure_reason, created_at,"
                f" attempts FROM webhook_outbox o WHERE {_PENDING} AND next_attempt_at <= ?"
                " AND NOT EXISTS (SELECT 1 FROM webhook_outbox p WHERE p.job_id = o.job_id"
                " AND p.delivered_at IS NULL AND p.dead = 0 AND (p.created_at < o.created_at"
                " OR (p.created_at = o.created_at AND p.event_id < o.event_id)))"
                " ORDER BY next_attempt_at LIMIT ?",
                (now, limit),
            ).fetchall()
            for row in rows:
                db.execute(
                    "UPDATE webhook_outbox SET next_attempt_at = ? WHERE event_id = ?",
                    (now + lease_s, row["event_id"]),
                )
            return [Event(*row) for row in rows]

        return self._db.write(take)

    def delivered(self, event_id: str, now: float) -> None:
        self._db.execute(
            "UPDATE webhook_outbox SET delivered_at = ?, attempts = attempts + 1, last_error = ''"
            " WHERE event_id = ?",
            (now, event_id),
        )

    def failed(self, event_id: str, error: str, retry_at: float | None) -> None:
        """One failed attempt: try again at `retry_at`, or never (None: the event is dead)."""
        self._db.execute(
            "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?,"
            " next_attempt_at = COALESCE(?, next_attempt_at), dead = ? WHERE event_id = ?",
            (error[:500], retry_at, int(retry_at is None), event_id),
        )

    def events(self, job_id: str) -> list[dict]:
        """Every event of a job with its delivery state, oldest first (for tests and ops)."""
        rows = self._db.execute(
            "SELECT event_id, state, attempts, delivered_at, dead, last_error FROM webhook_outbox"
            " WHERE job_id = ? ORDER BY created_at, event_id",
            (job_id,),
        ).fetchall()
        names = ("event_id", "state", "attempts", "delivered_at", "dead", "last_error")
        return [dict(zip(names, row, strict=True)) for row in rows]
