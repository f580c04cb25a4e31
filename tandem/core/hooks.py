"""The one shape of a hook: a kind of event and the listeners of the apps above.

An app low in the house (``people``, ``handoff``) never calls the apps that react to it. It
declares a ``Hook`` per kind of event and announces events on it; each reacting app registers
its listener from its ``apps.py`` ``ready()`` (segments and collaboration today; outbound
webhooks and journeys hang on the same hooks).

- Listeners are called in registration order, at once, inside the caller's transaction; an
  error in one propagates to the caller (nothing is swallowed here).
- A listener that must act after commit defers itself with ``transaction.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Event = TypeVar("Event")


class Hook(Generic[Event]):
    """One kind of event and its listeners, called in the order they registered."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Callable[[Event], object]] = []

    def listen(self, listener: Callable[[Event], object]) -> None:
        """Register ``listener``; registering the same one again changes nothing (``ready()``
        may run more than once in a process, and a listener must not hear an event twice)."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def forget(self, listener: Callable[[Event], object]) -> None:
        """Unregister ``listener`` (tests that listen for a while)."""
        self._listeners.remove(listener)

    @property
    def listeners(self) -> tuple[Callable[[Event], object], ...]:
        """The listeners in the order they are called."""
        return tuple(self._listeners)

    def announce(self, event: Event) -> None:
        """Call every listener with ``event``, in registration order; errors propagate."""
        for listener in tuple(self._listeners):
            listener(event)
