"""An independent reading of the Standard Webhooks specification, as a receiver writes it:
hmac and base64 by hand, nothing from ``tandem``."""

from __future__ import annotations

import base64
import hashlib
import hmac


def signature_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Whether any ``v1`` signature in the headers is the HMAC-SHA256 of
    ``{webhook-id}.{webhook-timestamp}.{body}`` under the key ``secret`` encodes."""
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :])
    signed = headers["webhook-id"].encode() + b"." + headers["webhook-timestamp"].encode() + b"."
    expected = base64.b64encode(hmac.new(key, signed + body, hashlib.sha256).digest()).decode()
    for part in headers["webhook-signature"].split(" "):
        version, _, value = part.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False
