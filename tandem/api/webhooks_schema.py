"""The OpenAPI 3.1 ``webhooks`` section: every message Tandem may send, with its payload.

Drawn from the event catalogue (``core.business_events.EVENT_TYPES``) and the payload models
(``webhooks.payloads.PAYLOADS``); ``api.app.TandemAPI`` adds it to the generated document.
"""

from __future__ import annotations

from typing import Any

from tandem.core.business_events import EVENT_TYPES
from tandem.webhooks.payloads import PAYLOADS

REF = "#/components/schemas/{model}"
HEADERS = (
    ("webhook-id", "The message id (`msg_…`): the same on every retry and replay."),
    ("webhook-timestamp", "When this attempt was made, in Unix seconds."),
    (
        "webhook-signature",
        "Space-separated `v1,<base64>` signatures: HMAC-SHA256 of `{id}.{timestamp}.{body}` "
        "under each secret in force (two during a rotation). The key is the base64 after "
        "the secret's `whsec_` prefix.",
    ),
)


def _message_schema(type: str, version: int, data_ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "version", "timestamp", "data"],
        "properties": {
            "type": {"type": "string", "const": type},
            "version": {"type": "integer", "const": version},
            "timestamp": {"type": "string", "format": "date-time"},
            "data": {"$ref": data_ref},
        },
    }


def webhooks_section(schema: dict[str, Any]) -> None:
    """Add ``webhooks`` (one POST per event type) and their payloads' components."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    hooks: dict[str, Any] = {}
    for name, event in EVENT_TYPES.items():
        model = PAYLOADS[name]
        found = model.model_json_schema(ref_template=REF)
        components.update(found.pop("$defs", {}))
        components[model.__name__] = found
        hooks[name] = {
            "post": {
                "operationId": "webhook_" + name.replace(".", "_"),
                "summary": event.description,
                "tags": ["webhook messages"],
                "parameters": [
                    {
                        "name": h,
                        "in": "header",
                        "required": True,
                        "description": d,
                        "schema": {"type": "string"},
                    }
                    for h, d in HEADERS
                ],  # fmt: skip
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _message_schema(
                                name, event.version, REF.format(model=model.__name__)
                            )
                        }
                    },
                },
                "responses": {
                    "2XX": {"description": "Received. Anything else is retried with backoff."}
                },
            }
        }
    schema["webhooks"] = hooks
