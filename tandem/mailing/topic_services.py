"""Use cases of email topics: what a contact may opt out of on its own (newsletter, events …).

Marketing managers create, rename and archive them; templates and sends name one, and a send
skips every contact who opted out of its topic (``engine.skip_reason``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.mailing.models import Topic


def _topic_values(*, name: Any, description: Any, topic: Topic | None) -> dict[str, str]:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput.field("name", "is required")
    name = " ".join(name.split())
    if len(name) > 100:
        raise InvalidInput.field("name", "must be at most 100 characters")
    description = description.strip() if isinstance(description, str) else ""
    if len(description) > 300:
        raise InvalidInput.field("description", "must be at most 300 characters")
    taken = Topic.objects.filter(name__iexact=name)
    if topic is not None:
        taken = taken.exclude(pk=topic.pk)
    if taken.exists():
        raise InvalidInput.field("name", f"a topic called {name!r} already exists")
    return {"name": name, "description": description}


def topic_create(*, actor: Any, name: Any, description: Any = "", via: str = "ui") -> Topic:
    """A new topic contacts can opt out of; names are unique whatever their case."""
    policies.require(actor, "create", "email_topic")
    values = _topic_values(name=name, description=description, topic=None)
    with transaction.atomic():
        topic = Topic.objects.create(**values)
        audit.record_created(actor=actor, obj=topic, via=via)
    return topic


def topic_update(
    *, actor: Any, topic: Topic, name: Any, description: Any = "", via: str = "ui"
) -> Topic:
    """Rename a topic or change its description; the opt-outs stay with it."""
    policies.require(actor, "change", "email_topic", topic)
    values = _topic_values(name=name, description=description, topic=topic)
    with transaction.atomic():
        before = audit.snapshot(topic)
        topic.name, topic.description = values["name"], values["description"]
        topic.save(update_fields=["name", "description"])
        audit.record_updated(actor=actor, obj=topic, before=before, via=via)
    return topic


def topic_archive(*, actor: Any, topic: Topic, is_archived: bool = True, via: str = "ui") -> Topic:
    """Stop offering a topic (or offer it again). Its opt-outs are kept and still honoured by
    sends that have it."""
    policies.require(actor, "change", "email_topic", topic)
    if topic.is_archived == is_archived:
        return topic
    with transaction.atomic():
        before = audit.snapshot(topic)
        topic.is_archived = is_archived
        topic.save(update_fields=["is_archived"])
        audit.record_updated(actor=actor, obj=topic, before=before, via=via)
    return topic
