"""The one gate every email to a contact goes through.

Whatever sends to a contact's address — a campaign send (``engine``), a survey invitation,
the double opt-in request, and later journeys and sequences — asks ``email_refusal`` right
before the message, or sends through ``contact_email_send``, which asks it and then adds the
one-click unsubscribe (RFC 8058 ``List-Unsubscribe`` and ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` headers, and a visible link with the seller's footer). The rules
per purpose are in ``tandem.people.email_gate.Purpose``; one statement reads the contact's
email consent, the suppression list (by address and by salted hash) and the topic opt-out.

**A journey or sequence step** calls ``contact_email_send(contact=…, purpose=Purpose.MARKETING,
subject=…, body=…, topic_id=…)`` (or, building its own message, ``email_refusal`` right before
it and ``unsubscribe_headers(contact_preferences_url(contact.pk))`` on it) and records the
refusal it returns as the step's outcome; it never calls Django's ``send_mail`` itself. The
floors below mailing (marketing's double opt-in) call ``tandem.people.email_gate``, to which
this gate is registered.

Internal email to users (notifications, digests, a rep's new lead) is not contact email and
does not pass here.

**The suppression list's hash.** Every suppression carries ``address_hash`` of its address: an
HMAC-SHA256 keyed with the install's secret (``SECRET_KEY``, the one the links in sent email
are signed with; the fallbacks of a rotation are read too), so an erased person's row can keep
the hash alone and still stop a re-imported or re-submitted address (``address_is_suppressed``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection as db_connection
from django.utils.crypto import salted_hmac

from tandem.core.seller import seller_identity
from tandem.mailing import links, rendering
from tandem.mailing.models import Suppression, SuppressionReason, TopicOptOut
from tandem.people.email_gate import Purpose
from tandem.people.models import Consent, ConsentChannel

HASH_SALT = "tandem.mailing.suppression"
# The reasons that still let a confirmation request through: the person may opt in again.
CONFIRMABLE = frozenset({SuppressionReason.UNSUBSCRIBED.value})


def address_hash(email: str, *, secret: str | None = None) -> str:
    """The salted hash of an address (trimmed, lower-cased) under the install's secret."""
    return salted_hmac(
        HASH_SALT, email.strip().lower(), secret=secret or settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def address_hashes(email: str) -> list[str]:
    """The address's hash under the secret and each fallback of a rotation."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [address_hash(email, secret=str(s)) for s in secrets]


def _suppression_sql(hashes: int) -> str:
    table = Suppression._meta.db_table
    marks = ", ".join(["%s"] * hashes)
    return (
        f"COALESCE((SELECT reason FROM {table} WHERE email = %s),"  # noqa: S608 — names from models
        f" (SELECT MIN(reason) FROM {table} WHERE email_hash IN ({marks})))"
    )


def address_is_suppressed(email: str) -> str | None:
    """Why no email may go to this address (the suppression's reason), None when none stops
    it. Matches the address itself and, for erased people, its salted hash."""
    hashes = address_hashes(email)
    with db_connection.cursor() as cursor:
        cursor.execute(f"SELECT {_suppression_sql(len(hashes))}", [email.strip().lower(), *hashes])
        return cursor.fetchone()[0]


def email_refusal(
    *, contact_id: int | None, email: str, purpose: Purpose | str, topic_id: int | None = None
) -> str:
    """Why this email must not go to this contact's address now, read fresh in one statement;
    ``""`` when it may. See ``Purpose`` for the rules."""
    if not email:
        return "no email address"
    hashes = address_hashes(email)
    sql = (
        f"SELECT (SELECT is_granted FROM {Consent._meta.db_table}"  # noqa: S608
        " WHERE contact_id = %s AND channel = %s),"
        f" {_suppression_sql(len(hashes))},"
        f" (SELECT COUNT(*) FROM {TopicOptOut._meta.db_table}"
        " WHERE contact_id = %s AND topic_id = %s)"
    )
    params: list[int | str] = [
        contact_id or 0,
        ConsentChannel.EMAIL.value,
        email.strip().lower(),
        *hashes,
        contact_id or 0,
        topic_id or 0,
    ]
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        consent, suppressed, opted_out = cursor.fetchone()
    if purpose == Purpose.CONFIRMATION:
        return f"suppressed: {suppressed}" if suppressed and suppressed not in CONFIRMABLE else ""
    if consent is None:
        return "no email consent"
    if not consent:
        return "email consent withdrawn"
    if suppressed is not None:
        return f"suppressed: {suppressed}"
    if opted_out:
        return "opted out of this topic"
    return ""


def unsubscribe_headers(url: str) -> dict[str, str]:
    """The one-click unsubscribe headers (RFC 8058). https (or http) only: it is what mailbox
    providers use, and Tandem reads no mailbox a ``mailto:`` unsubscribe could reach."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def contact_email_send(
    *,
    contact: object,
    purpose: Purpose,
    subject: str,
    body: str,
    topic_id: int | None = None,
) -> str:
    """Send a plain-text email to the contact if the gate lets it through: ``""`` when it
    went, else the refusal. Marketing and survey email get the visible unsubscribe link, the
    seller's footer and the one-click headers; the confirmation request gets neither (it is
    the answer to the person's own request, and says to ignore it if it was not theirs)."""
    contact_id = getattr(contact, "pk", None)
    email = str(getattr(contact, "email", "") or "")
    refusal = email_refusal(contact_id=contact_id, email=email, purpose=purpose, topic_id=topic_id)
    if refusal:
        return refusal
    headers: dict[str, str] = {}
    if purpose != Purpose.CONFIRMATION and contact_id is not None:
        url = links.contact_preferences_url(contact_id)
        body = body.rstrip("\n") + f"\n\nUnsubscribe or choose what you receive: {url}\n"
        body = rendering.footer_add(body, seller_identity(), html=False)
        headers = unsubscribe_headers(url)
    EmailMessage(subject=subject, body=body, to=[email], headers=headers).send()
    return ""
