"""What the hand-off tells the apps above it, without importing them.

The hand-off sits below collaboration (and the outbound webhooks and journeys to come), so
it cannot call them. Instead it announces a typed event on a hook here, and each app that
wants to react registers a listener in its ``apps.py`` ``ready()``::

    hooks.TOUCH_LOGGED.listen(on_touch_logged)

Listeners behave as every ``tandem.core.hooks.Hook``'s do: in registration order, inside the
caller's transaction, an error propagating (a notice that cannot be written undoes the touch,
as a direct call did).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tandem.core.hooks import Hook
from tandem.people.models import Touch

# The service level's notices; collaboration declares the same kinds of notification.
SlaKind = Literal["sla_warning", "sla_breach"]
SLA_WARNING: SlaKind = "sla_warning"
SLA_BREACH: SlaKind = "sla_breach"


@dataclass(frozen=True)
class TouchLogged:
    """A touch was logged one at a time (``services.touch_log``), after the contact was
    rescored and maybe handed off. Listeners decide which touches matter to them (a negative
    one tells the owners of the contact's open deals)."""

    touch: Touch


@dataclass(frozen=True)
class ServiceLevelNotice:
    """A person must be told about a lead's service level: a first touch due soon, a lead
    passed to another rep, a promise broken. ``url`` is the page that shows it."""

    recipient: Any
    kind: SlaKind
    text: str
    url: str


TOUCH_LOGGED: Hook[TouchLogged] = Hook("touch logged")
SERVICE_LEVEL_NOTICE: Hook[ServiceLevelNotice] = Hook("service level notice")
