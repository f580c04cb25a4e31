"""Reading bounce reports (RFC 3464 delivery status notifications) and spam complaints (RFC 5965
feedback reports) out of a mailbox, for providers that return them by email."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path


@dataclass(frozen=True)
class Event:
    """One bounce or complaint found in a report."""

    kind: str  # "bounce" or "complaint"
    email: str
    detail: str
    message_id: str


def _address(value: str) -> str:
    # "rfc822; ann@acme.test" → "ann@acme.test"
    return value.split(";", 1)[-1].strip().strip("<>").lower()


def _original_message_id(report: Message) -> str:
    for part in report.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip("<> ")
            if isinstance(payload, str):
                for line in payload.splitlines():
                    if line.lower().startswith("message-id:"):
                        return line.split(":", 1)[1].strip().strip("<> ")
    return ""


def _status_blocks(part: Message) -> list[Message]:
    """The per-recipient field blocks of a message/delivery-status part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)][1:]
    return []


def events_in(report: Message) -> Iterator[Event]:
    """The hard bounces and complaints one report message tells of (soft bounces are not)."""
    if report.get_content_type() != "multipart/report":
        return
    report_type = str(report.get_param("report-type") or "").lower()
    message_id = _original_message_id(report)
    for part in report.walk():
        kind = part.get_content_type()
        if report_type == "delivery-status" and kind == "message/delivery-status":
            for block in _status_blocks(part):
                action = str(block.get("Action", "")).strip().lower()
                status = str(block.get("Status", "")).strip()
                recipient = block.get("Final-Recipient") or block.get("Original-Recipient")
                if action == "failed" and status.startswith("5") and recipient:
                    detail = str(block.get("Diagnostic-Code", "")).strip() or f"status {status}"
                    yield Event("bounce", _address(str(recipient)), detail[:500], message_id)
        elif report_type == "feedback-report" and kind == "message/feedback-report":
            fields = part.get_payload()
            first_field = fields[0] if isinstance(fields, list) and fields else None
            report_fields = first_field if isinstance(first_field, Message) else part
            recipient = report_fields.get("Original-Rcpt-To") or ""
            if not recipient:
                for inner in report.walk():
                    if inner.get_content_type() == "message/rfc822":
                        original = inner.get_payload()
                        first = original[0] if isinstance(original, list) and original else None
                        if isinstance(first, Message) and first.get("To"):
                            recipient = str(first["To"])
            if recipient:
                feedback = str(report_fields.get("Feedback-Type", "abuse")).strip()
                yield Event("complaint", _address(str(recipient)), f"{feedback} report", message_id)


def events_in_file(path: Path) -> Iterator[Event]:
    """Events of every report in an mbox file, or of one message file (.eml)."""
    from email import message_from_binary_file

    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        box = mailbox.mbox(str(path), create=False)
        try:
            for message in box:
                yield from events_in(message)
        finally:
            box.close()
    else:
        with path.open("rb") as handle:
            yield from events_in(message_from_binary_file(handle))
