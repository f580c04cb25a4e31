"""The consent log's data migration: one entry per existing consent and per topic opt-out, and
every suppression's address hashed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tandem.mailing import gate

BEFORE = [("people", "0009_duplicate_dismissal"), ("mailing", "0002_topic_is_archived")]
AFTER = [("people", "0010_consent_log"), ("mailing", "0003_suppression_hash")]
T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


def migrated(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_consents_and_opt_outs_become_the_first_entries_of_the_log():
    # given consents, an opt-out and a suppression as they were before the log
    old = migrated(BEFORE)
    contact = old.get_model("people", "Contact").objects.create(email="ann@acme.test")
    old.get_model("people", "Consent").objects.create(
        contact=contact,
        channel="email",
        is_granted=True,
        source="form:demo",
        wording="Monthly news.",
        recorded_at=T0,
    )
    old.get_model("people", "Consent").objects.create(
        contact=contact, channel="sms", is_granted=False, source="import", recorded_at=T0
    )
    topic = old.get_model("mailing", "Topic").objects.create(name="Events")
    old.get_model("mailing", "TopicOptOut").objects.create(contact=contact, topic=topic)
    old.get_model("mailing", "Suppression").objects.create(
        email="bo@acme.test", reason="bounced", created_at=T0
    )

    # when the migrations run
    new = migrated(AFTER)

    # then each is one entry, and the suppression carries its hash
    entries = new.get_model("people", "ConsentEntry").objects.order_by("id")
    assert [
        (e.channel, e.topic_name, e.action, e.is_granted, e.source, e.wording) for e in entries
    ] == [
        ("email", "", "granted", True, "form:demo", "Monthly news."),
        ("sms", "", "declined", False, "import", ""),
        ("email", "Events", "withdrawn", False, "preference page", ""),
    ]
    assert entries[0].recorded_at == T0
    suppression = new.get_model("mailing", "Suppression").objects.get()
    assert suppression.email_hash == gate.address_hash("bo@acme.test")
