"""Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is "whsec_" +
base64 key; the signature is base64 HMAC-SHA256 of "{id}.{timestamp}.{body}", sent as
`webhook-signature: v1,<signature>` with `webhook-id` and `webhook-timestamp`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    """The HMAC key of a "whsec_..." secret; ValueError when it is not one."""
    if not secret.startswith(PREFIX):
        raise ValueError("a webhook secret is 'whsec_' followed by base64")
    try:
        key = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from None
    if len(key) < 16:  # shorter keys make the HMAC guessable
        raise ValueError("a webhook secret needs at least 16 key bytes")
    return key


def headers(key: bytes, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    signed = f"{message_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{signature}",
    }
