"""Signatures as the Standard Webhooks specification writes them.

The receiver reads three headers: ``webhook-id`` (the message id, the same on every retry),
``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``: space-separated
``v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``, one per secret in force (two
while a rotated-out secret is still honoured). A secret is ``whsec_`` and the base64 of its key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def secret_generate() -> str:
    """A new signing secret: 24 random bytes, in the ``whsec_<base64>`` form."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, *, message_id: str, timestamp: int, body: str) -> str:
    """One ``v1,<base64>`` signature of the message under ``secret``."""
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    secrets_in_force: list[str], *, message_id: str, timestamp: int, body: str
) -> dict[str, str]:
    """The request headers of one attempt, signed with every secret in force."""
    return {
        "content-type": "application/json",
        "user-agent": "Tandem-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(s, message_id=message_id, timestamp=timestamp, body=body)
            for s in secrets_in_force
        ),
    }
