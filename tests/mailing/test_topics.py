"""Email topics: managers set them up, contacts opt out of one, and sends of it skip them."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.audit.models import AuditEntry
from tandem.errors import InvalidInput
from tandem.mailing import engine, services, topic_services
from tandem.mailing.models import EmailRecipient, EmailSend, Topic
from tests.mailing.conftest import link_paths, message_to, segment_of


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_marketing_manager_adds_renames_and_archives_topics(cast, template, audience):
    manager = logged_in(cast.marketing_manager)

    # when the manager adds a topic on the topics page
    response = manager.post(
        "/mail/topics/", {"action": "create", "name": " Events ", "description": "Invitations"}
    )

    # then it is there, and audited
    assert (response.status_code, response["Location"]) == (302, "/mail/topics/")
    events = Topic.objects.get()
    assert (events.name, events.description, events.is_archived) == (
        "Events",
        "Invitations",
        False,
    )

    # when a second one is added under the same name in another case, it is refused
    response = manager.post("/mail/topics/", {"action": "create", "name": "EVENTS"})
    assert response.status_code == 422
    assert "a topic called &#x27;EVENTS&#x27; already exists" in response.content.decode()

    # when the manager renames it and then archives it
    manager.post(
        "/mail/topics/",
        {"action": "rename", "topic": events.pk, "name": "Events and webinars", "description": ""},
    )
    manager.post("/mail/topics/", {"action": "archive", "topic": events.pk})

    # then the topic is renamed and archived, each change in the audit trail
    events.refresh_from_db()
    assert (events.name, events.is_archived) == ("Events and webinars", True)
    page = manager.get("/mail/topics/").content.decode()
    assert "Events and webinars" in page and "Archived" in page
    entries = AuditEntry.objects.filter(record_type="mailing.topic").order_by("id")
    assert [(e.action, e.actor_label) for e in entries] == [
        ("create", "max"),
        ("update", "max"),
        ("update", "max"),
    ]

    # and an archived topic cannot be chosen for a new send
    with pytest.raises(InvalidInput) as refused:
        services.send_create(
            actor=cast.marketer,
            name="Old news",
            template=template,
            segments=[segment_of("Everyone", audience)],
            topic=events,
        )
    assert refused.value.errors == {"topic": "the topic 'Events and webinars' is archived"}


@pytest.mark.parametrize(
    "role, status",
    [
        pytest.param("marketer", 403, id="marketer-reads-only"),
        pytest.param("leadership", 403, id="leadership-reads-only"),
        pytest.param("sales_rep", 403, id="sales-refused"),
    ],
)
def test_only_a_marketing_manager_or_admin_changes_topics(cast, role, status):
    user = cast.by_role(role)
    client = logged_in(user)
    topic = topic_services.topic_create(actor=cast.marketing_manager, name="Newsletter")

    created = client.post("/mail/topics/", {"action": "create", "name": "Events"})
    archived = client.post("/mail/topics/", {"action": "archive", "topic": topic.pk})

    assert (created.status_code, archived.status_code) == (status, status)
    assert list(Topic.objects.values_list("name", "is_archived")) == [("Newsletter", False)]
    expected_view = 403 if role == "sales_rep" else 200
    assert client.get("/mail/topics/").status_code == expected_view


def test_a_contact_who_opted_out_of_a_topic_is_skipped_by_its_sends_but_gets_the_others(
    cast, delivered, smtp_inbox, make_send, audience
):
    # given a manager set up two topics
    events = topic_services.topic_create(actor=cast.marketing_manager, name="Events")
    newsletter = topic_services.topic_create(actor=cast.marketing_manager, name="Newsletter")
    archived = topic_services.topic_create(actor=cast.marketing_manager, name="Old")
    topic_services.topic_archive(actor=cast.marketing_manager, topic=archived)

    # and person2 opts out of events on the page their unsubscribe link opens
    page = link_paths(message_to(smtp_inbox, "person2@acme.test"))["unsubscribe"][0]
    shown = Client().get(page).content.decode()
    assert "No more Events" in shown and "No more Newsletter" in shown
    assert "No more Old" not in shown  # an archived topic is not offered
    Client().post(page, {"action": "topics", "topic_out": [events.pk]})

    # when a marketer creates a send about events on the new-send page, and starts it
    marketer = logged_in(cast.marketer)
    response = marketer.post(
        "/mail/sends/new/",
        {
            "name": "Events invite",
            "template": delivered.template_id,
            "topic": events.pk,
            "segments": [segment_of("Everyone", audience).pk],
            "from_email": "news@acme-marketing.test",
            "rate_per_second": "1000",
            "batch_size": "10",
        },
    )
    assert response.status_code == 302
    about_events = EmailSend.objects.get(name="Events invite")
    assert about_events.topic == events
    smtp_inbox.messages.clear()
    services.send_start(actor=cast.marketer, send=about_events)
    engine.send_batch_run(send_id=about_events.pk)

    # then person2 is skipped, because of the topic, and everyone else gets it
    to = sorted(m["To"] for m in smtp_inbox.messages)
    assert to == [f"person{n}@acme.test" for n in (1, 3, 4, 5)]
    skipped = EmailRecipient.objects.get(send=about_events, email="person2@acme.test")
    assert (skipped.state, skipped.reason) == ("skipped", "opted out of this topic")

    # and a newsletter send, and one without a topic, still reach person2
    for topic in (newsletter, None):
        smtp_inbox.messages.clear()
        send = make_send(audience, batch_size=10, topic=topic)
        services.send_start(actor=cast.marketer, send=send)
        engine.send_batch_run(send_id=send.pk)
        assert sorted(m["To"] for m in smtp_inbox.messages) == [
            f"person{n}@acme.test" for n in range(1, 6)
        ]
