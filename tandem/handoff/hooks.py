"""What the hand-off tells the apps above it, without importing them.

The hand-off sits below collaboration (and the outbound webhooks and journeys to come), so
it cannot call them. Instead it emits a typed event here, and each app that wants to react
registers a listener for that event type in its ``apps.py`` ``ready()``::

    hooks.listen(hooks.TouchLogged, on_touch_logged)

Listeners of one event type run in the order they registered, inside the caller's
transaction, and an error in one propagates to the caller (nothing is swallowed: a notice
that cannot be written undoes the touch, as a direct call did).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

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


Event = TouchLogged | ServiceLevelNotice
E = TypeVar("E", TouchLogged, ServiceLevelNotice)

_listeners: dict[type, list[Callable[[Any], object]]] = {}


def listen(event_type: type[E], listener: Callable[[E], object]) -> None:
    """Call ``listener`` with every event of ``event_type`` from now on, after the listeners
    registered before it. Registering the same listener twice keeps one (``ready()`` may run
    again in tests)."""
    registered = _listeners.setdefault(event_type, [])
    if listener not in registered:
        registered.append(listener)


def listeners(event_type: type) -> tuple[Callable[[Any], object], ...]:
    """The listeners of ``event_type`` in the order they are called."""
    return tuple(_listeners.get(event_type, ()))


def emit(event: Event) -> None:
    """Tell every listener of the event's type, in registration order; an error propagates."""
    for listener in _listeners.get(type(event), ()):
        listener(event)
