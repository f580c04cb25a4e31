"""The proof: a person erased, then every text column of every table searched for them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from tandem.audit.models import AuditEntry
from tandem.people.models import Contact
from tandem.privacy import services as privacy
from tests.privacy.conftest import EMAIL, hits


def test_before_the_erase_the_person_is_found_in_many_tables(person):
    tables = {table for table, *_ in hits(person.needles)}
    assert {
        "people.Contact",
        "people.Touch",
        "people.EmailAlias",
        "marketing.FormSubmission",
        "mailing.EmailRecipient",
        "mailing.Suppression",
        "sales.Activity",
        "sales.CommitteeMember",
        "collaboration.Comment",
        "collaboration.SurveyAnswer",
        "imports.ImportProblem",
        "webhooks.Delivery",
        "audit.AuditEntry",
    } <= tables, tables


def test_after_the_erase_no_table_holds_their_name_email_or_phone(
    person, cast, django_capture_on_commit_callbacks
):
    stored = Path(settings.DATA_DIR) / person.job.stored_path
    assert stored.is_file()

    with django_capture_on_commit_callbacks(execute=True):
        privacy.contact_erase(actor=cast.admin, contact=person.contact, confirm_email=EMAIL)

    assert hits(person.needles) == []
    # the upload that held them is gone; the job keeps its counts
    assert not stored.exists()
    # the contact stays, anonymised, with their deal
    contact = Contact.objects.get(pk=person.contact.pk)
    assert (contact.first_name, contact.last_name, contact.phone, contact.custom) == (
        "Erased",
        "person",
        "",
        {},
    )
    assert contact.deals.get() == person.deal
    # the erase is on the trail, saying who and which contact id, and nothing else
    entry = AuditEntry.objects.filter(record_id=str(contact.pk), changes__has_key="erased").get()
    assert (entry.actor, entry.record_label, entry.changes) == (
        cast.admin,
        f"contact #{contact.pk}",
        {"erased": [None, True]},
    )


def test_someone_else_with_the_same_first_name_keeps_theirs(cast):
    from tandem.collaboration import services as collaboration
    from tandem.people import services as people

    erased = people.contact_create(
        actor=cast.admin, email="anna.one@example.test", first_name="Anna", last_name="Oakes"
    )
    other = people.contact_create(
        actor=cast.admin, email="anna.two@example.test", first_name="Anna", last_name="Birch"
    )
    collaboration.comment_add(actor=cast.marketer, target=other, body="Anna Birch, not Oakes")

    privacy.contact_erase(actor=cast.admin, contact=erased, confirm_email="anna.one@example.test")

    other.refresh_from_db()
    assert (other.first_name, other.last_name, other.email) == (
        "Anna",
        "Birch",
        "anna.two@example.test",
    )
    assert other.comments.get().body == "Anna Birch, not Oakes"
