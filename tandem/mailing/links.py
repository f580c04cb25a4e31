"""Signed links in a campaign email: unsubscribe, open pixel, click redirect; and a contact's
own preferences link in the other email the gate lets through (``contact_preferences_url``).

Each names one recipient row (one contact in one send), or one contact, and is signed with the
server's secret and a salt per purpose, so a token for an open cannot be replayed as an
unsubscribe, and a changed character makes the link invalid.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

UNSUBSCRIBE_SALT = "tandem.mailing.unsubscribe"
OPEN_SALT = "tandem.mailing.open"
CLICK_SALT = "tandem.mailing.click"


class LinkInvalid(Exception):
    """The token was altered, or made for another purpose."""


def base_url() -> str:
    """Where Tandem is reached from the internet, without a trailing slash."""
    return str(settings.BASE_URL or "http://localhost").rstrip("/")


def recipient_token(recipient_id: int, *, salt: str) -> str:
    return signing.Signer(salt=salt).sign(str(recipient_id))


def recipient_from_token(token: str, *, salt: str) -> int:
    try:
        return int(signing.Signer(salt=salt).unsign(token))
    except (signing.BadSignature, ValueError):
        raise LinkInvalid from None


def click_token(recipient_id: int, url: str) -> str:
    return signing.dumps({"r": recipient_id, "u": url}, salt=CLICK_SALT, compress=True)


def click_from_token(token: str) -> tuple[int, str]:
    try:
        data = signing.loads(token, salt=CLICK_SALT)
        return int(data["r"]), str(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid from None


def unsubscribe_url(recipient_id: int) -> str:
    return f"{base_url()}/mail/u/{recipient_token(recipient_id, salt=UNSUBSCRIBE_SALT)}/"


def open_url(recipient_id: int) -> str:
    return f"{base_url()}/mail/o/{recipient_token(recipient_id, salt=OPEN_SALT)}.gif"


def click_url(recipient_id: int, url: str) -> str:
    return f"{base_url()}/mail/c/{click_token(recipient_id, url)}/"


# A contact's own preferences and unsubscribe link, for email that is not part of a send
# (survey invitations, journeys, sequences): it names the contact, not a recipient row.
CONTACT_SALT = "tandem.mailing.contact-preferences"


def contact_preferences_url(contact_id: int) -> str:
    return f"{base_url()}/mail/p/{recipient_token(contact_id, salt=CONTACT_SALT)}/"
