"""Durable job records and finished videos in one SQL database: SQLite (WAL) in a directory
for one node, PostgreSQL shared by every Orchestrator replica for a cluster (database.py).

The store is the queue: runners in any process claim the next queued job inside one write
transaction, so records, queue order and results survive the process (an Orchestrator replica)
that accepted or ran a job. Every method is one short transaction; callers on an event loop run
them in a worker thread. Videos live in the database too, so every replica can serve them and
nothing a client sends ever becomes a file name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path

from reelflow.services.jobs import requests
from reelflow.services.jobs.database import Database, Row, connect
from reelflow.services.jobs.records import JOB_ID, JobRecord, JobState, VideoMeta
from reelflow.services.jobs.requests import LegacyReader
from reelflow.services.jobs.webhooks import outbox

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    request_id TEXT,
    request_hash TEXT NOT NULL,
    request {blob} NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    queue_expires_at DOUBLE PRECISION NOT NULL,
    deadline_at DOUBLE PRECISION NOT NULL,
    started_at DOUBLE PRECISION,
    finished_at DOUBLE PRECISION,
    result_expires_at DOUBLE PRECISION,
    progress_stage TEXT NOT NULL DEFAULT '',
    progress_step INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    progress_elapsed_s DOUBLE PRECISION NOT NULL DEFAULT 0,
    failure_reason TEXT NOT NULL DEFAULT '',
    failure_code TEXT NOT NULL DEFAULT '',
    video TEXT,
    video_available INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    worker TEXT NOT NULL DEFAULT '',
    affinity TEXT,
    heartbeat_at DOUBLE PRECISION,
    num_frames INTEGER NOT NULL DEFAULT 0,
    num_shots INTEGER NOT NULL DEFAULT 0,
    seed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner, request_id)
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (state, priority DESC, created_at);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, created_at DESC);
CREATE TABLE IF NOT EXISTS store_meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS artifacts (
    job_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    data {blob} NOT NULL,
    PRIMARY KEY (job_id, kind)
);
"""
# the video, its last frame, the loop state; a result's latents (what an edit of it starts
# from, deleted with the video), an edit's source latents, a running job's latest preview
ARTIFACTS = (".mp4", ".png", ".state", ".latents", ".source", ".preview")
WRITE_LOCK = 0x7265_656C  # "reel": the PostgreSQL advisory lock of job-store writers
_COLUMNS = [name for name in JobRecord.__dataclass_fields__ if name != "video"] + ["video"]


class QueueFull(Exception):
    def __init__(self, queued: int):
        super().__init__(f"{queued} jobs are queued, the most this server holds")
        self.queued = queued


class QuotaExceeded(Exception):
    def __init__(self, active: int):
        super().__init__(f"this key has {active} queued or running jobs, its quota")
        self.active = active


class RequestIdReused(Exception):
    pass


class JobStore:
    """`legacy` reads job requests stored in format 1 (requests.py); at opening, such rows are
    rewritten in the current format, once per database."""

    def __init__(self, db: Database, legacy: LegacyReader | None = None):
        self._db, self._legacy = db, legacy
        db.write(self._create_schema)

    def _create_schema(self, db: Database) -> None:
        for statement in (_SCHEMA.format(blob=db.blob_type) + outbox.SCHEMA).split(";"):
            if statement.strip():
                db.execute(statement)
        row = db.execute("SELECT value FROM store_meta WHERE name = 'request_format'").fetchone()
        if row is not None and int(row[0]) >= requests.FORMAT:
            return
        if self._legacy is None:  # nothing here can read format 1: leave the rows as they are
            (rows,) = db.execute("SELECT COUNT(*) FROM jobs").fetchone()
            if rows:
                return
        for (job_id,) in db.execute("SELECT job_id FROM jobs").fetchall():
            (data,) = db.execute("SELECT request FROM jobs WHERE job_id = ?", (job_id,)).rows[0]
            request = requests.decode(bytes(data), self._legacy)
            db.execute(
                "UPDATE jobs SET request = ? WHERE job_id = ?", (requests.encode(request), job_id)
            )
        db.execute(
            "INSERT INTO store_meta VALUES ('request_format', ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (str(requests.FORMAT),),
        )

    def _record(self, row: Row) -> JobRecord:
        values = {name: row[name] for name in _COLUMNS}
        values["state"] = JobState(values["state"])
        values["request"] = requests.decode(bytes(row["request"]), self._legacy)
        values["request_id"] = values["request_id"] or ""
        values["video_available"] = bool(values["video_available"])
        values["video"] = VideoMeta(**json.loads(row["video"])) if row["video"] else None
        return JobRecord(**values)

    @property
    def database(self) -> Database:
        """The connection, for tables that live beside the jobs (the webhook outbox)."""
        return self._db

    def close(self) -> None:
        self._db.close()

    # -- artifacts: a finished job's MP4 and optional last-frame PNG; a running job's saved
    # loop state (pipeline/loop_state.py), so a restarted job continues where it stopped -----

    def put_artifact(self, job_id: str, kind: str, data: bytes) -> None:
        _check_artifact(job_id, kind)
        self._db.execute(
            "INSERT INTO artifacts VALUES (?, ?, ?)"
            " ON CONFLICT (job_id, kind) DO UPDATE SET data = excluded.data",
            (job_id, kind, data),
        )

    def get_artifact(self, job_id: str, kind: str) -> bytes | None:
        _check_artifact(job_id, kind)
        row = self._db.execute(
            "SELECT data FROM artifacts WHERE job_id = ? AND kind = ?", (job_id, kind)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def delete_artifacts(self, job_ids: Iterable[str], kinds: tuple[str, ...] = ARTIFACTS) -> None:
        ids = list(job_ids)
        if ids:
            self._db.write(lambda db: _delete_artifacts(db, ids, kinds))

    # -- transactions ------------------------------------------------------------------------

    def submit(
        self,
        record: JobRecord,
        request_hash: str,
        max_queued: int,
        max_active: int,
        affinity: str | None = None,
        callback_url: str = "",
    ) -> tuple[JobRecord, bool]:
        """Insert a queued job, or return the owner's job with the same request_id.

        `affinity`: only that runner may claim the job (a Generate call streams from it).
        `callback_url`: where its state changes are posted (webhooks/outbox.py)."""

        def insert(db: Database) -> tuple[JobRecord, bool]:
            if record.request_id:
                row = db.execute(
                    "SELECT * FROM jobs WHERE owner = ? AND request_id = ?",
                    (record.owner, record.request_id),
                ).fetchone()
                if row is not None:
                    if row["request_hash"] != request_hash:
                        raise RequestIdReused(record.request_id)
                    return self._record(row), False
            (queued,) = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'QUEUED'").fetchone()
            if queued >= max_queued:
                raise QueueFull(queued)
            (active,) = db.execute(
                "SELECT COUNT(*) FROM jobs WHERE owner = ? AND state IN ('QUEUED', 'RUNNING')",
                (record.owner,),
            ).fetchone()
            if active >= max_active:
                raise QuotaExceeded(active)
            values = {f.name: getattr(record, f.name) for f in fields(record)}
            values["request"] = requests.encode(record.request)
            values["video"] = None
            values["video_available"] = int(record.video_available)  # an INTEGER column
            values["request_id"] = record.request_id or None
            values["state"] = str(record.state)
            names = [*values, "request_hash", "affinity"]
            db.execute(
                f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [*values.values(), request_hash, affinity],
            )
            if callback_url:
                outbox.add_target(db, record.job_id, callback_url)
                outbox.notify(db, [record.job_id], record.created_at)
            return record, True

        return self._db.write(insert)

    def get(self, job_id: str) -> JobRecord | None:
        row = self._db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else self._record(row)

    def list(
        self,
        owner: str | None,
        states: tuple[JobState, ...],
        limit: int,
        before: tuple[float, str] | None,
        oldest_first: bool = False,
    ) -> list[JobRecord]:
        """Newest first (or oldest first); `before` is the (created_at, job_id) of the last job
        already seen."""
        clauses, args = [], []
        if owner is not None:
            clauses.append("owner = ?")
            args.append(owner)
        if states:
            clauses.append(f"state IN ({', '.join('?' * len(states))})")
            args.extend(str(s) for s in states)
        past, order = (">", "ASC") if oldest_first else ("<", "DESC")
        if before is not None:
            clauses.append(f"(created_at {past} ? OR (created_at = ? AND job_id {past} ?))")
            args.extend([before[0], before[0], before[1]])
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.execute(
            f"SELECT * FROM jobs {where} ORDER BY created_at {order}, job_id {order} LIMIT ?",
            [*args, limit],
        ).fetchall()
        return [self._record(row) for row in rows]

    def claim(self, worker: str, now: float) -> JobRecord | None:
        """Start the most urgent queued job this worker may run."""

        def take(db: Database) -> JobRecord | None:
            row = db.execute(
                "SELECT job_id FROM jobs WHERE state = 'QUEUED' AND queue_expires_at > ?"
                " AND (affinity IS NULL OR affinity = ?)"
                " ORDER BY priority DESC, created_at, job_id LIMIT 1",
                (now, worker),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state = 'RUNNING', worker = ?, started_at = ?, heartbeat_at = ?,"
                " attempts = attempts + 1 WHERE job_id = ?",
                (worker, now, now, row["job_id"]),
            )
            outbox.notify(db, [row["job_id"]], now)
            return self._record(db.execute("SELECT * FROM jobs WHERE job_id = ?", row).fetchone())

        return self._db.write(take)

    def heartbeat(
        self, job_id: str, worker: str, now: float, progress: tuple[str, int, int, float] | None
    ) -> JobState | None:
        """Record progress; returns the job's state, or None when this worker lost the job."""

        def beat(db: Database) -> JobState | None:
            if progress is not None:
                db.execute(
                    "UPDATE jobs SET heartbeat_at = ?, progress_stage = ?, progress_step = ?,"
                    " progress_total = ?, progress_elapsed_s = ?"
                    " WHERE job_id = ? AND worker = ? AND state = 'RUNNING'",
                    (now, *progress, job_id, worker),
                )
            else:
                db.execute(
                    "UPDATE jobs SET heartbeat_at = ? WHERE job_id = ? AND worker = ?"
                    " AND state = 'RUNNING'",
                    (now, job_id, worker),
                )
            row = db.execute(
                "SELECT state, worker FROM jobs WHERE job_id = ?", (job_id,)
            ).fetchone()
            if row is None or row["worker"] != worker:
                return None
            return JobState(row["state"])

        return self._db.write(beat)

    def finish(
        self,
        job_id: str,
        worker: str,
        state: JobState,
        now: float,
        *,
        reason: str = "",
        code: str = "",
        video: VideoMeta | None = None,
        result_ttl_s: float = 0.0,
        progress: tuple[str, int, int, float] | None = None,
    ) -> bool:
        """End a running job this worker holds; False if it was cancelled or taken meanwhile."""
        stage, step, total, elapsed = progress or ("", 0, 0, 0.0)

        def end(db: Database) -> bool:
            cursor = db.execute(
                "UPDATE jobs SET state = ?, finished_at = ?, failure_reason = ?, failure_code = ?,"
                " video = ?, video_available = ?, result_expires_at = ?,"
                " progress_stage = CASE WHEN ? = '' THEN progress_stage ELSE ? END,"
                " progress_step = CASE WHEN ? = '' THEN progress_step ELSE ? END,"
                " progress_total = CASE WHEN ? = '' THEN progress_total ELSE ? END,"
                " progress_elapsed_s = CASE WHEN ? = '' THEN progress_elapsed_s ELSE ? END"
                " WHERE job_id = ? AND worker = ? AND state = 'RUNNING'",
                (
                    str(state),
                    now,
                    reason,
                    code,
                    json.dumps(asdict(video)) if video else None,
                    int(video is not None),
                    now + result_ttl_s if video is not None else None,
                    stage,
                    stage,
                    stage,
                    step,
                    stage,
                    total,
                    stage,
                    elapsed,
                    job_id,
                    worker,
                ),
            )
            if cursor.rowcount == 1:
                outbox.notify(db, [job_id], now)
            return cursor.rowcount == 1

        return self._db.write(end)

    def cancel(self, job_id: str, now: float) -> JobRecord | None:
        def stop(db: Database) -> JobRecord | None:
            db.execute(
                "UPDATE jobs SET state = 'CANCELLED', finished_at = ?,"
                " failure_reason = 'cancelled by the client', failure_code = 'CANCELLED'"
                " WHERE job_id = ? AND state IN ('QUEUED', 'RUNNING')",
                (now, job_id),
            )
            outbox.notify(db, [job_id], now)
            row = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
            return None if row is None else self._record(row)

        return self._db.write(stop)

    def delete(self, job_id: str) -> bool:
        """Forget a job: its record and files (a webhook event already written still goes
        out). A runner still running it loses it at its next heartbeat and stops."""

        def forget(db: Database) -> bool:
            gone = db.execute("DELETE FROM jobs WHERE job_id = ?", (job_id,)).rowcount
            _delete_artifacts(db, [job_id], ARTIFACTS)
            outbox.forget_targets(db, [job_id])
            return gone == 1

        return self._db.write(forget)

    def sweep(
        self, now: float, *, lease_s: float, max_attempts: int, record_ttl_s: float
    ) -> dict[str, int]:
        """Expire queued jobs, fail late ones, restart jobs of dead runners, delete old results."""

        def clean(db: Database) -> dict[str, int]:
            counts = {}
            counts["expired"] = db.execute(
                "UPDATE jobs SET state = 'EXPIRED', finished_at = ?,"
                " failure_code = 'DEADLINE_EXCEEDED',"
                " failure_reason = 'still queued when its queue timeout passed'"
                " WHERE state = 'QUEUED' AND queue_expires_at <= ?",
                (now, now),
            ).rowcount
            counts["late"] = db.execute(
                "UPDATE jobs SET state = 'FAILED', finished_at = ?,"
                " failure_code = 'DEADLINE_EXCEEDED',"
                " failure_reason = 'deadline passed' WHERE state IN ('QUEUED', 'RUNNING')"
                " AND deadline_at <= ? AND (state = 'QUEUED' OR heartbeat_at <= ?)",
                (now, now, now - lease_s),
            ).rowcount
            stale = now - lease_s
            counts["abandoned"] = db.execute(
                "UPDATE jobs SET state = 'FAILED', finished_at = ?, failure_code = 'UNAVAILABLE',"
                " failure_reason = 'the server running it stopped ' || attempts || ' times'"
                " WHERE state = 'RUNNING' AND heartbeat_at <= ? AND attempts >= ?",
                (now, stale, max_attempts),
            ).rowcount
            counts["restarted"] = db.execute(
                "UPDATE jobs SET state = 'QUEUED', worker = '', affinity = NULL,"
                " progress_stage = '', progress_step = 0, progress_total = 0"
                " WHERE state = 'RUNNING' AND heartbeat_at <= ?",
                (stale,),
            ).rowcount
            gone = [
                row["job_id"]
                for row in db.execute(
                    "SELECT job_id FROM jobs WHERE video_available = 1 AND result_expires_at <= ?",
                    (now,),
                ).fetchall()
            ]
            db.execute(
                "UPDATE jobs SET video_available = 0 WHERE video_available = 1"
                " AND result_expires_at <= ?",
                (now,),
            )
            old = [
                row["job_id"]
                for row in db.execute(
                    "SELECT job_id FROM jobs WHERE finished_at <= ?", (now - record_ttl_s,)
                ).fetchall()
            ]
            db.execute("DELETE FROM jobs WHERE finished_at <= ?", (now - record_ttl_s,))
            _delete_artifacts(db, gone + old, ARTIFACTS)
            if any(counts[k] for k in ("expired", "late", "abandoned", "restarted")):
                outbox.notify(db, None, now)
            outbox.forget_targets(db, old)
            outbox.purge(db, now - record_ttl_s)
            counts["videos_deleted"] = len(gone)
            return counts

        return self._db.write(clean)

    def counts(self, owner: str | None = None) -> dict[str, int]:
        query = "SELECT state, COUNT(*) FROM jobs"
        args: tuple = ()
        if owner is not None:
            query, args = query + " WHERE owner = ?", (owner,)
        rows = self._db.execute(query + " GROUP BY state", args).fetchall()
        return {str(state): 0 for state in JobState} | {row[0]: row[1] for row in rows}

    def mean_run_seconds(self, last: int = 20) -> float | None:
        row = self._db.execute(
            "SELECT AVG(finished_at - started_at) FROM (SELECT finished_at, started_at"
            " FROM jobs WHERE state = 'SUCCEEDED' ORDER BY finished_at DESC LIMIT ?) AS recent",
            (last,),
        ).fetchone()
        return row[0]


def _check_artifact(job_id: str, kind: str) -> None:
    if not JOB_ID.fullmatch(job_id) or kind not in ARTIFACTS:
        raise ValueError("not a job id or artifact kind")


def _delete_artifacts(db: Database, job_ids: list[str], kinds: tuple[str, ...]) -> None:
    kind_marks = ", ".join("?" * len(kinds))
    for start in range(0, len(job_ids), 500):
        chunk = job_ids[start : start + 500]
        id_marks = ", ".join("?" * len(chunk))
        db.execute(
            f"DELETE FROM artifacts WHERE kind IN ({kind_marks}) AND job_id IN ({id_marks})",
            [*kinds, *chunk],
        )


def open_store(url: str, root: Path, legacy: LegacyReader | None = None) -> JobStore:
    """PostgreSQL when `url` is given (shared by every replica), else SQLite under `root`."""
    return JobStore(connect(url, root, lock_key=WRITE_LOCK), legacy)
