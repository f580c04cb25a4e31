"""Undo: created records removed, changed fields restored; refused while newer work depends
on them, naming the record."""

from __future__ import annotations

import pytest

from tandem.errors import InvalidInput
from tandem.imports import services
from tandem.people import services as people
from tandem.people.models import Account, Consent, Contact, LifecycleMove
from tandem.sales import services as sales
from tandem.segments import services as segments
from tandem.segments.models import Segment
from tests.factories import ContactFactory

FILE = (
    "Email,First Name,Job Title,Lifecycle Stage,Company name,Marketing emails\r\n"
    "new@acme.test,Nia,Buyer,lead,Acme,opted in\r\n"
    "known@old.test,Kai,CTO,mql,,opted out\r\n"
)


@pytest.fixture
def imported(cast, upload, run_import):
    known = ContactFactory(
        email="known@old.test", first_name="Kim", title="", lifecycle_stage="lead", account=None
    )
    people.consent_record(contact=known, channel="email", is_granted=True, source="form:x")
    job = upload(FILE)
    mapping = {**job.mapping, "Marketing emails": "consent.email"}
    return run_import(job, mapping=mapping), known


def test_undo_removes_what_was_created_and_restores_what_was_changed(cast, imported):
    job, known = imported
    known.refresh_from_db()
    assert (known.first_name, known.title, known.lifecycle_stage) == ("Kai", "CTO", "mql")
    # when the import is undone
    services.import_undo(user=cast.admin, job=job)
    # then the new contact and its account are gone, the known one is as it was
    assert job.status == "undone"
    assert not Contact.objects.filter(email="new@acme.test").exists()
    assert not Account.objects.filter(name="Acme").exists()
    known.refresh_from_db()
    assert (known.first_name, known.title, known.lifecycle_stage) == ("Kim", "", "lead")
    assert not LifecycleMove.objects.filter(contact=known).exists()
    consent = Consent.objects.get(contact=known)
    assert (consent.is_granted, consent.source) == (True, "form:x")


def test_undo_is_refused_while_a_later_deal_depends_on_an_imported_contact(cast, imported):
    job, _known = imported
    nia = Contact.objects.get(email="new@acme.test")
    sales.deal_open(actor=cast.sales_rep, name="Acme pilot", owner=cast.sales_rep, contact=nia)
    with pytest.raises(InvalidInput) as refused:
        services.import_undo(user=cast.admin, job=job)
    assert refused.value.errors == {
        "job": "cannot undo: deal 'Acme pilot' was added later to new@acme.test, a contact "
        "this import created"
    }
    assert Contact.objects.filter(email="new@acme.test").exists()


def test_undo_is_refused_when_a_field_it_set_was_changed_since(cast, imported):
    job, known = imported
    known.refresh_from_db()
    people.contact_update(actor=cast.admin, contact=known, title="Chief Technology Officer")
    with pytest.raises(InvalidInput) as refused:
        services.import_undo(user=cast.admin, job=job)
    assert refused.value.errors == {
        "job": "cannot undo: contact known@old.test: title was changed after the import"
    }


def test_undo_takes_removed_contacts_out_of_their_segments_counts(cast, imported):
    job, _known = imported
    listed = segments.segment_create(
        actor=cast.marketing_manager, name="Everyone new", kind=Segment.Kind.STATIC
    )
    segments.segment_members_add(
        actor=cast.marketing_manager,
        segment=listed,
        contacts=list(Contact.objects.all()),
    )
    listed.refresh_from_db()
    assert listed.member_count == 2
    services.import_undo(user=cast.admin, job=job)
    listed.refresh_from_db()
    assert listed.member_count == 1


def test_only_a_finished_import_is_undone(cast, upload):
    job = upload(FILE)
    with pytest.raises(InvalidInput) as refused:
        services.import_undo(user=cast.admin, job=job)
    assert refused.value.errors == {"job": "only a finished import can be undone"}
