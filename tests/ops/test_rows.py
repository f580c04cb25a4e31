"""Rows written on the hot paths without the ORM's compiler read back as the ORM writes them."""

import datetime as dt

from django.utils import timezone

from tandem.audit.models import AuditEntry
from tandem.ops import rows
from tandem.people.models import Contact, LifecycleMove
from tests.factories import ContactFactory


def test_an_inserted_row_reads_back_whole_with_its_key_and_creation_time(db):
    before = timezone.now()
    entry = rows.row_insert(
        AuditEntry(
            actor_label="form:demo",
            action="create",
            record_type="people.contact",
            record_id="7",
            record_label="Ann",
            changes={"title": [None, "VP"], "at": ["2026-01-01", None]},
        )
    )

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.changes == {"title": [None, "VP"], "at": ["2026-01-01", None]}
    assert stored.at >= before  # auto_now_add, as the ORM sets it
    assert (stored.actor_id, stored.record_label) == (None, "Ann")


def test_many_rows_go_in_one_statement(db, django_assert_num_queries):
    entries = [
        AuditEntry(actor_label="x", action="create", record_type="t", record_id=str(n))
        for n in range(3)
    ]
    with django_assert_num_queries(1):
        rows.rows_insert(entries)

    assert sorted(AuditEntry.objects.values_list("record_id", flat=True)) == ["0", "1", "2"]


def test_an_update_writes_only_the_named_fields_and_stamps_updated_at(db):
    contact = ContactFactory(title="Buyer", score=5)
    stale = Contact.objects.get(pk=contact.pk)
    contact.score, contact.title = 60, "not saved"
    contact.updated_at = timezone.now() - dt.timedelta(days=1)

    rows.row_update(contact, ["score", "updated_at"])

    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.score, stored.title) == (60, "Buyer")
    assert stored.updated_at > stale.updated_at


def test_a_foreign_key_is_stored_by_id(db):
    contact = ContactFactory()
    move = rows.row_insert(
        LifecycleMove(
            contact=contact, from_stage="subscriber", to_stage="lead", moved_at=timezone.now()
        )
    )

    assert LifecycleMove.objects.get(pk=move.pk).contact == contact
