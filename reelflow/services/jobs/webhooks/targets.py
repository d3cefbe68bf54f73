"""Which callback URLs the server may call: http(s) URLs whose host is on the allow-list, with
no credentials in them. Checked when a job is submitted and again before each delivery (the
list may have changed since)."""

from __future__ import annotations

from urllib.parse import urlsplit

from reelflow.pipeline.script.plan import ScriptError
from reelflow.services.jobs.settings import WebhookSettings

MAX_URL = 2048


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for entry in allowed:
        if entry.startswith("*.") and host.endswith(entry[1:]) and host != entry[2:]:
            return True
        if host == entry:
            return True
    return False


def check_callback_url(url: str, settings: WebhookSettings) -> str:
    """The URL as given, or ScriptError naming `callback_url`."""
    if not url:
        return ""
    if len(url) > MAX_URL or not url.isprintable() or " " in url:
        raise ScriptError("callback_url", f"callback_url must be a URL of at most {MAX_URL} chars")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ScriptError("callback_url", "callback_url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScriptError("callback_url", "callback_url must be an http:// or https:// URL")
    if parts.username or parts.password:
        raise ScriptError("callback_url", "callback_url must not carry credentials")
    if not settings.secret:
        raise ScriptError("callback_url", "this server has no webhook secret; webhooks are off")
    if not host_allowed(parts.hostname, settings.allowed_hosts):
        where = f"{parts.hostname}:{port}" if port else parts.hostname
        raise ScriptError(
            "callback_url", f"callback_url host {where!r} is not in the server's allow-list"
        )
    return url
