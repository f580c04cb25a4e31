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


# What a contact needs that the database gives no default for.
CONTACT = ("email", "first_name", "last_name", "phone", "title", "audience_flags")
CONTACT_REST = ("lifecycle_stage", "score", "first_touch_source", "first_touch_medium")
CONTACT_LAST = ("last_touch_source", "last_touch_medium", "created_at", "updated_at")


def _contacts_insert(ids, at, first_name="", custom=lambda pk: {}) -> int:
    return rows.tuples_insert(
        Contact,
        ("id", *CONTACT, *CONTACT_REST, *CONTACT_LAST, "custom", "lifecycle_changed_at"),
        [
            (pk, f"t{pk}@example.com", first_name, "", "", "", 1, "subscriber", 0, "", "")
            + ("", "", at, at, custom(pk), at)
            for pk in ids
        ],
    )


def test_tuples_go_in_with_reserved_ids_and_read_back_as_the_orm_writes_them(db):
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    ids = rows.ids_reserve(Contact, 3)

    written = _contacts_insert(ids, at, custom=lambda pk: {"size": pk} if pk == ids[0] else {})

    assert written == 3
    stored = {c.pk: c for c in Contact.objects.filter(pk__in=ids)}
    assert sorted(stored) == ids
    assert stored[ids[0]].custom == {"size": ids[0]}
    assert stored[ids[1]].custom == {}
    assert stored[ids[2]].lifecycle_changed_at == at
    # A later plain insert never takes a reserved id.
    assert ContactFactory().pk > ids[-1]


def test_many_tuples_are_updated_each_with_its_own_values(db):
    # given: more contacts than PostgreSQL updates one statement a row
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    ids = rows.ids_reserve(Contact, 250)
    _contacts_insert(ids, at, first_name="Old")
    later = at + dt.timedelta(days=1)

    # when
    updated = rows.tuples_update(
        Contact,
        ("first_name", "custom", "lifecycle_changed_at"),
        [(f"New {pk}", {"n": pk}, later, pk) for pk in ids],
    )

    # then
    assert updated == 250
    found = Contact.objects.filter(pk__in=ids).values_list(
        "pk", "first_name", "custom", "lifecycle_changed_at"
    )
    assert sorted(found) == [(pk, f"New {pk}", {"n": pk}, later) for pk in ids]
    assert rows.values_in(Contact, ("id", "custom"), "email", [f"t{ids[0]}@example.com"]) == [
        {"id": ids[0], "custom": {"n": ids[0]}}
    ]
