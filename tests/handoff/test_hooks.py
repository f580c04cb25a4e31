"""The hand-off's hooks: typed events, several listeners in order, errors not swallowed."""

import pytest
from django.utils.module_loading import import_string

from tandem.collaboration import handoff_listeners
from tandem.handoff import hooks, notices


@pytest.fixture
def quiet_hooks(monkeypatch):
    """Hooks with no listeners for one test; the apps' listeners come back afterwards."""
    for hook in (hooks.TOUCH_LOGGED, hooks.SERVICE_LEVEL_NOTICE):
        monkeypatch.setattr(hook, "_listeners", [])


def _notice(text: str = "due soon") -> hooks.ServiceLevelNotice:
    return hooks.ServiceLevelNotice(recipient=None, kind=hooks.SLA_WARNING, text=text, url="/")


def test_collaboration_listens_to_the_handoff():
    assert handoff_listeners.touch_logged_notify in hooks.TOUCH_LOGGED.listeners
    assert handoff_listeners.service_level_notify in hooks.SERVICE_LEVEL_NOTICE.listeners


def test_listeners_are_called_in_the_order_they_registered(quiet_hooks):
    heard = []
    hooks.SERVICE_LEVEL_NOTICE.listen(lambda e: heard.append(("first", e.text)))
    hooks.SERVICE_LEVEL_NOTICE.listen(lambda e: heard.append(("second", e.text)))
    hooks.TOUCH_LOGGED.listen(lambda e: heard.append(("touch", e)))

    hooks.SERVICE_LEVEL_NOTICE.announce(_notice("late"))

    assert heard == [("first", "late"), ("second", "late")]


def test_a_listener_registered_twice_is_called_once(quiet_hooks):
    heard = []

    def listener(event):
        heard.append(event.text)

    hooks.SERVICE_LEVEL_NOTICE.listen(listener)
    hooks.SERVICE_LEVEL_NOTICE.listen(listener)
    hooks.SERVICE_LEVEL_NOTICE.announce(_notice())

    assert heard == ["due soon"]


def test_a_listeners_error_reaches_the_caller_and_stops_the_rest(quiet_hooks):
    heard = []

    def broken(event):
        raise RuntimeError("inbox down")

    hooks.SERVICE_LEVEL_NOTICE.listen(broken)
    hooks.SERVICE_LEVEL_NOTICE.listen(lambda e: heard.append(e))

    with pytest.raises(RuntimeError, match="inbox down"):
        hooks.SERVICE_LEVEL_NOTICE.announce(_notice())
    assert heard == []


def test_a_rep_email_queued_before_the_move_still_finds_its_task():
    queued_path = "tandem.handoff.tasks.lead_assigned_notify"

    assert import_string(queued_path) is notices.lead_assigned_notify
