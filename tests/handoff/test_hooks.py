"""The hand-off's hooks: typed events, several listeners in order, errors not swallowed."""

import pytest

from tandem.collaboration import handoff_listeners
from tandem.handoff import hooks


@pytest.fixture
def clean_hooks(monkeypatch):
    """A registry of its own for the test; the apps' listeners come back afterwards."""
    monkeypatch.setattr(hooks, "_listeners", {})


def _notice(text: str = "due soon") -> hooks.ServiceLevelNotice:
    return hooks.ServiceLevelNotice(recipient=None, kind=hooks.SLA_WARNING, text=text, url="/")


def test_collaboration_listens_to_the_handoff():
    assert handoff_listeners.touch_logged_notify in hooks.listeners(hooks.TouchLogged)
    assert handoff_listeners.service_level_notify in hooks.listeners(hooks.ServiceLevelNotice)


def test_listeners_are_called_in_the_order_they_registered(clean_hooks):
    heard = []
    hooks.listen(hooks.ServiceLevelNotice, lambda e: heard.append(("first", e.text)))
    hooks.listen(hooks.ServiceLevelNotice, lambda e: heard.append(("second", e.text)))
    hooks.listen(hooks.TouchLogged, lambda e: heard.append(("touch", e)))

    hooks.emit(_notice("late"))

    assert heard == [("first", "late"), ("second", "late")]


def test_a_listener_registered_twice_is_called_once(clean_hooks):
    heard = []

    def listener(event):
        heard.append(event.text)

    hooks.listen(hooks.ServiceLevelNotice, listener)
    hooks.listen(hooks.ServiceLevelNotice, listener)
    hooks.emit(_notice())

    assert heard == ["due soon"]


def test_a_listeners_error_reaches_the_caller_and_stops_the_rest(clean_hooks):
    heard = []

    def broken(event):
        raise RuntimeError("inbox down")

    hooks.listen(hooks.ServiceLevelNotice, broken)
    hooks.listen(hooks.ServiceLevelNotice, lambda e: heard.append(e))

    with pytest.raises(RuntimeError, match="inbox down"):
        hooks.emit(_notice())
    assert heard == []
