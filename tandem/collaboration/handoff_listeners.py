"""Collaboration's answers to the hand-off's events (registered in ``apps.py``)."""

from __future__ import annotations

from tandem.collaboration import services
from tandem.handoff import hooks


def touch_logged_notify(event: hooks.TouchLogged) -> None:
    """A negative touch tells the owners of the contact's open deals."""
    services.touch_negative_notify(touch=event.touch)


def service_level_notify(event: hooks.ServiceLevelNotice) -> None:
    """The inbox, and email right away or in the digest as the person prefers."""
    services.notification_send(
        recipient=event.recipient, kind=event.kind, text=event.text, url=event.url
    )


def register() -> None:
    """Hang collaboration's listeners on the hand-off's hooks."""
    hooks.TOUCH_LOGGED.listen(touch_logged_notify)
    hooks.SERVICE_LEVEL_NOTICE.listen(service_level_notify)
