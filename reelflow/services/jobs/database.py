"""The SQL connection under the job store: SQLite for one node, PostgreSQL for a cluster.

The store's SQL is written once, in the subset both speak, with `?` placeholders. What differs
lives here: the placeholder style, the binary column type, how a write transaction excludes
other writers (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock that
only writers take, so reads never wait and it works before any table exists), and reconnecting
after the server went away.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Row(tuple):
    """A result row readable by position (tuple unpacking) and by column name."""

    names: dict[str, int]

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)


@functools.lru_cache(maxsize=64)
def row_class(columns: tuple[str, ...]) -> type[Row]:
    return type("Row", (Row,), {"names": {name: i for i, name in enumerate(columns)}})


@dataclass(frozen=True)
class Result:
    """A statement's rows, read to the end while the connection was held (no cursor outlives
    the lock, so threads sharing the connection never interleave on one)."""

    rows: list[Row]
    rowcount: int

    def fetchone(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Row]:
        return self.rows


class Database(Protocol):
    blob_type: str

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        """One statement in its own transaction (or in the current write transaction)."""

    def write(self, fn: Callable[[Database], T]) -> T:
        """Run fn as one transaction that no other writer interleaves with."""

    def close(self) -> None: ...


class SqliteDatabase:
    blob_type = "BLOB"

    def __init__(self, path: Path):
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = lambda cursor, values: row_class(
            tuple(column[0] for column in cursor.description)
        )(values)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        with self._lock:
            cursor = self._db.execute(sql, tuple(args))
            return Result(cursor.fetchall() if cursor.description else [], cursor.rowcount)

    def write(self, fn: Callable[[Database], T]) -> T:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresDatabase:
    """One psycopg connection in autocommit mode; every replica opens its own."""

    blob_type = "BYTEA"

    def __init__(self, url: str, lock_key: int):
        import psycopg  # only clusters need it installed and imported

        self._psycopg = psycopg
        self._url = url
        self._lock_key = lock_key
        self._lock = threading.RLock()
        self._db = self._connect()

    def _connect(self):
        def rows(cursor):
            names = tuple(column.name for column in cursor.description or ())
            return row_class(names)

        return self._psycopg.connect(
            self._url, autocommit=True, row_factory=rows, connect_timeout=10
        )

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        with self._lock:
            if self._db.closed:  # the server restarted or the network dropped: connect again
                self._db = self._connect()
            try:
                yield self._db
            except self._psycopg.OperationalError:
                self._db.close()
                raise

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        if "%" in sql:
            raise ValueError("store SQL must not contain '%' (psycopg placeholders)")
        with self._connection() as db:
            cursor = db.execute(sql.replace("?", "%s"), tuple(args))
            return Result(cursor.fetchall() if cursor.description else [], cursor.rowcount)

    def write(self, fn: Callable[[Database], T]) -> T:
        with self._connection() as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_key,))
            return fn(self)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def connect(url: str, root: Path, lock_key: int) -> Database:
    """`url` postgresql://... shares one database across replicas; "" keeps SQLite in root.
    `lock_key` names the writers' lock: stores sharing a database must use distinct keys."""
    if url:
        return PostgresDatabase(url, lock_key)
    root.mkdir(parents=True, exist_ok=True)
    return SqliteDatabase(root / "jobs.sqlite3")
