"""The port to the one gate every email to a contact goes through (``tandem.mailing.gate``).

The gate reads consent (people's) and the suppression list and topics (mailing's), and adds
the one-click unsubscribe. Mailing sits above marketing, whose double opt-in email must pass
the gate too, so the apps below mailing reach it through this port: mailing registers its
gate here from ``MailingConfig.ready`` (``gate_register``), and ``contact_email_send`` refuses
to send at all when no gate is registered (fail closed). Apps at or above mailing call
``tandem.mailing.gate`` directly; both are the same function.

``CONSENT_CONFIRMED`` is announced when a contact proved with a signed link that they want
email again (a double opt-in confirmed, a re-subscribe on the preference page): mailing lifts
their *unsubscribed* suppression. No other grant does (anyone can type an address in a form).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from tandem.core.hooks import Hook


class Purpose(StrEnum):
    """Why an email goes to a contact; each purpose has its rules in the gate."""

    # Campaign email, journeys, sequences: email consent granted, not suppressed, not opted out
    # of the topic; the one-click unsubscribe added.
    MARKETING = "marketing"
    # Voice-of-the-customer invitations: email consent granted, not suppressed; unsubscribe added.
    SURVEY = "survey"
    # The double opt-in request: it asks for consent, so none is needed; refused for a bounced,
    # complained, erased or hand-suppressed address (an unsubscribed one may opt in again).
    CONFIRMATION = "confirmation"


class Sender(Protocol):
    def __call__(
        self,
        *,
        contact: Any,
        purpose: Purpose,
        subject: str,
        body: str,
        topic_id: int | None = None,
    ) -> str: ...


_senders: list[Sender] = []


def gate_register(sender: Sender) -> None:
    """Mailing's gate, registered once from its ``ready()`` (again: no change)."""
    if sender not in _senders:
        _senders[:] = [sender]


def contact_email_send(
    *, contact: Any, purpose: Purpose, subject: str, body: str, topic_id: int | None = None
) -> str:
    """Send ``body`` to the contact through the gate: ``""`` when it went, else why it was
    refused (no consent, suppressed …). See ``tandem.mailing.gate.contact_email_send``."""
    if not _senders:
        return "no email gate is registered (the mailing app is not installed)"
    return _senders[0](
        contact=contact, purpose=purpose, subject=subject, body=body, topic_id=topic_id
    )


@dataclass(frozen=True)
class ConsentConfirmed:
    """The contact confirmed by a signed link that they want email again."""

    contact_id: int
    email: str


CONSENT_CONFIRMED: Hook[ConsentConfirmed] = Hook("consent confirmed")


def consent_confirmed_announce(*, contact_id: int, email: str) -> None:
    CONSENT_CONFIRMED.announce(ConsentConfirmed(contact_id, email))
