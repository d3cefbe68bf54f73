"""Frozen, checked settings of the job machinery and of API keys (serve_config.yaml `jobs:` and
`auth:`)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

STORE_URL_ENV = "REELFLOW_JOBS_STORE_URL"


@dataclass(frozen=True)
class JobSettings:
    # Where job records and finished videos live. One node: SQLite (WAL) in store_dir
    # ("" = <tmp>/reelflow-jobs). A cluster: store_url, a PostgreSQL database every
    # Orchestrator replica connects to (postgresql://user@host:5432/db); it wins when set, and
    # the REELFLOW_JOBS_STORE_URL environment variable (e.g. from a Secret) overrides it.
    store_dir: str = ""
    store_url: str = ""
    max_queued: int = 64  # queued jobs beyond this get RESOURCE_EXHAUSTED
    workers: int = 4  # jobs one Orchestrator replica runs at once
    result_ttl_s: float = 3600.0  # finished videos are deleted this long after they finish
    record_ttl_s: float = 7 * 86400.0  # job records are deleted this long after they finish
    default_queue_timeout_s: float = 600.0  # a job queued longer becomes EXPIRED
    max_queue_timeout_s: float = 86400.0
    default_deadline_s: float = 3600.0  # a job not finished this long after submission FAILS
    max_deadline_s: float = 86400.0
    lease_s: float = 20.0  # a RUNNING job whose runner is silent this long is started again
    heartbeat_s: float = 0.2  # how often a runner records progress and looks for cancels
    max_attempts: int = 2  # starts of one job (a dead runner's job is started again)
    stage_timeout_s: float = 120.0  # one stage call; beyond it the call is retried
    stage_retries: int = 2  # retries of one failed stage call (stages are stateless per step)
    # A running job saves its denoising-loop state this often (seconds; 0 = never), so a job
    # restarted after its runner died continues from there instead of step 0. States larger
    # than checkpoint_max_bytes (long high-resolution latents) are not saved.
    checkpoint_s: float = 5.0
    checkpoint_max_bytes: int = 64 * 2**20
    # Edits: an extended clip may be this long (one generation stays at 15 s; the windowed
    # branches make time and memory linear in duration). A finished job keeps its latents for
    # edits, under the result TTL, unless they are larger than latents_max_bytes (0 = never).
    max_extended_s: float = 60.0
    latents_max_bytes: int = 64 * 2**20

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name not in ("store_dir", "store_url") and not (
                isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
            ):
                raise ValueError(f"jobs.{item.name} must be a number >= 0, got {value!r}")
        for name in ("max_queued", "workers", "max_attempts"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"jobs.{name} must be an integer >= 1")
        if self.heartbeat_s <= 0 or self.lease_s <= 2 * self.heartbeat_s:
            raise ValueError("jobs: need heartbeat_s > 0 and lease_s > 2 * heartbeat_s")
        if self.store_url and not self.store_url.startswith(("postgresql://", "postgres://")):
            raise ValueError("jobs.store_url must be a postgresql:// URL (or empty for SQLite)")
        if self.max_extended_s <= 0:
            raise ValueError("jobs.max_extended_s must be positive")
        if self.default_queue_timeout_s > self.max_queue_timeout_s:
            raise ValueError("jobs.default_queue_timeout_s exceeds max_queue_timeout_s")
        if self.default_deadline_s > self.max_deadline_s:
            raise ValueError("jobs.default_deadline_s exceeds max_deadline_s")

    @property
    def url(self) -> str:
        return os.environ.get(STORE_URL_ENV) or self.store_url

    @property
    def root(self) -> Path:
        return Path(self.store_dir or Path(tempfile.gettempdir()) / "reelflow-jobs")


@dataclass(frozen=True)
class AuthSettings:
    enabled: bool = False  # off for local development; on wherever strangers can connect
    keys_file: str = ""  # YAML: keys: [{name, sha256, max_active_jobs?, read_only?}]
    keys_env: str = "REELFLOW_API_KEYS"  # "name:sha256hex,..." read in addition to the file
    max_active_jobs: int = 8  # per key, queued + running, unless the key says otherwise

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise ValueError("auth.enabled must be true or false")
        if not isinstance(self.max_active_jobs, int) or self.max_active_jobs < 1:
            raise ValueError("auth.max_active_jobs must be an integer >= 1")


@dataclass(frozen=True)
class WebhookSettings:
    """Signed POSTs to a job's callback_url on every state change (serve_config `webhooks:`).

    A callback URL makes the server call an address a client chose, so only the hosts listed
    here may be called ("example.com", or "*.example.com" for its subdomains); none by default.
    The signing secret (Standard Webhooks: "whsec_" + base64 key) comes from the environment
    variable `secret_env`, never from the config file."""

    allowed_hosts: tuple[str, ...] = ()
    secret_env: str = "REELFLOW_WEBHOOK_SECRET"
    timeout_s: float = 10.0  # one delivery attempt; longer counts as a failure
    max_attempts: int = 10  # then the event is given up (kept in the outbox, marked dead)
    backoff_s: float = 1.0  # the wait after the first failure; doubles per attempt
    max_backoff_s: float = 600.0
    poll_s: float = 0.2  # how often a sender looks for due deliveries

    def __post_init__(self) -> None:
        hosts = self.allowed_hosts
        if isinstance(hosts, str) or not all(isinstance(h, str) and h for h in hosts):
            raise ValueError("webhooks.allowed_hosts must be a list of host names")
        object.__setattr__(self, "allowed_hosts", tuple(h.lower() for h in hosts))
        for name in ("timeout_s", "backoff_s", "max_backoff_s", "poll_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"webhooks.{name} must be a number > 0")
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError("webhooks.max_attempts must be an integer >= 1")

    @property
    def secret(self) -> str:
        return os.environ.get(self.secret_env, "")


def parse_section(cls: type, raw: Any, where: str):
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a mapping")
    known = {item.name for item in fields(cls)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    return cls(**raw)
