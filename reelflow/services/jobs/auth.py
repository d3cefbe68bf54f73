"""API keys: `authorization: Bearer <key>` metadata, checked against sha256 hashes from a YAML
file and/or an environment variable. The plaintext key is never stored.

keys file:   keys: [{name: alice, sha256: <hex>, max_active_jobs: 4, read_only: false}]
environment: REELFLOW_API_KEYS="alice:<hex>,bob:<hex>"
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from reelflow.services.jobs.errors import permission_denied, unauthenticated
from reelflow.services.jobs.settings import AuthSettings

ANONYMOUS = "anonymous"
UNLIMITED = 2**31 - 1
_HEX = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    name: str
    max_active_jobs: int
    read_only: bool = False

    def require_write(self) -> None:
        if self.read_only:
            raise permission_denied(f"key {self.name!r} is read-only")


@dataclass(frozen=True)
class _Key:
    principal: Principal
    sha256: str


def _entry(raw: dict, default_quota: int, where: str) -> _Key:
    name, digest = str(raw.get("name", "")), str(raw.get("sha256", "")).lower()
    if not _NAME.fullmatch(name) or not _HEX.fullmatch(digest):
        raise ValueError(f"{where}: each key needs a name and a 64-hex-digit sha256")
    quota = raw.get("max_active_jobs", default_quota)
    if not isinstance(quota, int) or quota < 1:
        raise ValueError(f"{where}: max_active_jobs of {name!r} must be an integer >= 1")
    return _Key(Principal(name, quota, bool(raw.get("read_only", False))), digest)


class ApiKeys:
    def __init__(self, settings: AuthSettings):
        self.enabled = settings.enabled
        self.default_quota = settings.max_active_jobs
        keys: list[_Key] = []
        if settings.keys_file:
            with open(settings.keys_file) as handle:
                raw = yaml.safe_load(handle) or {}
            entries = raw.get("keys", []) if isinstance(raw, dict) else None
            if not isinstance(entries, list):
                raise ValueError(f"{settings.keys_file}: expected `keys:` with a list")
            keys += [_entry(e, self.default_quota, settings.keys_file) for e in entries]
        for item in filter(None, os.environ.get(settings.keys_env, "").split(",")):
            name, _, digest = item.strip().partition(":")
            keys.append(_entry({"name": name, "sha256": digest}, self.default_quota, "env"))
        if self.enabled and not keys:
            raise ValueError("auth is enabled but no API keys are configured")
        self._keys = keys

    def authenticate(self, metadata: Iterable[tuple[str, str | bytes]]) -> Principal:
        if not self.enabled:  # one shared identity: only the queue bound applies
            return Principal(ANONYMOUS, UNLIMITED)
        header = next((v for k, v in metadata if k.lower() == "authorization"), None)
        if header is None:
            raise unauthenticated("missing `authorization: Bearer <key>` metadata")
        if isinstance(header, bytes):
            header = header.decode(errors="replace")
        scheme, _, key = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise unauthenticated("authorization must be `Bearer <key>`")
        digest = hash_key(key.strip())
        match = None
        for entry in self._keys:  # compare every entry in constant time: no timing oracle
            if hmac.compare_digest(entry.sha256, digest):
                match = entry
        if match is None:
            raise unauthenticated("unknown API key")
        return match.principal
