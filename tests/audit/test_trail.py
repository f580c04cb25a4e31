"""The audit log: every create, update and delete of a core record, with who and what changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.audit import events
from tandem.audit.models import AuditEntry
from tandem.handoff import services as handoff
from tandem.people import services as people
from tests.factories import ContactFactory


def test_a_change_records_who_and_the_fields_that_changed(cast):
    contact = ContactFactory(first_name="Ann", title="Buyer", owner=cast.sales_rep)

    people.contact_update(actor=cast.sales_rep, contact=contact, title="Head of Buying")

    entry = AuditEntry.objects.get(record_type="people.contact", action="update")
    assert entry.actor == cast.sales_rep
    assert entry.changes["title"] == ["Buyer", "Head of Buying"]
    assert "first_name" not in entry.changes


def test_the_relay_leaves_a_trail(cast, mql):
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)

    kinds = set(AuditEntry.objects.values_list("record_type", "action"))
    assert {
        ("people.contact", "create"),
        ("people.touch", "create"),
        ("handoff.lead", "create"),
        ("handoff.lead", "update"),
        ("sales.deal", "create"),
    } <= kinds
    public = AuditEntry.objects.get(record_type="people.contact", action="create")
    assert (public.actor, public.actor_label) == (None, "form:demo")
    assert AuditEntry.objects.get(record_type="sales.deal").record_id == str(deal.pk)


def test_an_update_that_changes_nothing_writes_nothing(cast):
    contact = ContactFactory(title="Buyer")
    people.contact_update(actor=cast.admin, contact=contact, title="Buyer")

    assert not AuditEntry.objects.filter(action="update").exists()


def test_a_touch_that_hands_off_writes_its_whole_trail_in_one_statement(cast):
    contact = ContactFactory(
        title="VP Operations", email="vp@corp.test", lifecycle_stage="subscriber"
    )
    for _ in range(3):
        handoff.touch_log(contact=contact, kind="page_visit", channel="content")
    AuditEntry.objects.all().delete()

    with CaptureQueriesContext(connection) as seen:
        handoff.touch_log(contact=contact, kind="form_submission", channel="webinar")

    trail = set(AuditEntry.objects.values_list("record_type", "action"))
    assert trail == {
        ("people.touch", "create"),
        ("people.contact", "update"),
        ("handoff.lead", "create"),
    }
    assert AuditEntry.objects.filter(record_type="people.contact").count() == 2  # lead, then MQL
    inserts = [
        q["sql"] for q in seen.captured_queries if q["sql"].startswith('INSERT INTO "audit_')
    ]
    assert len(inserts) == 1
    contact.refresh_from_db()
    assert (contact.lifecycle_stage, contact.owner) == ("mql", cast.sales_rep)


def test_a_batch_that_fails_records_nothing(db):
    contact = ContactFactory()
    # No atomic block of its own here: a rollback would hide an entry written too early.
    with pytest.raises(RuntimeError), events.batched():
        events.record_created(actor=None, obj=contact, via="test")
        raise RuntimeError("the change is rolled back, and so is its trail")

    assert not AuditEntry.objects.exists()


def test_a_batch_writes_its_entries_when_it_ends(db):
    contact = ContactFactory()
    with events.batched():
        events.record_created(actor=None, obj=contact, via="test")
        events.record_deleted(actor=None, obj=contact, via="test")
        assert not AuditEntry.objects.exists()

    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == ["create", "delete"]
