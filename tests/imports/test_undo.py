"""Undo: created records removed, changed fields restored; refused while newer work depends
on them, naming the record."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from tandem.errors import InvalidInput
from tandem.imports import services
from tandem.people import services as people
from tandem.people.models import Account, Consent, Contact, LifecycleMove
from tandem.sales import services as sales
from tandem.sales.models import Deal
from tandem.segments import services as segments
from tandem.segments.models import Segment
from tests.factories import ContactFactory


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


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


def test_undo_leaves_a_record_changed_since_alone_and_says_why(cast, imported):
    # given someone changed a field the import set on a contact it updated
    job, known = imported
    known.refresh_from_db()
    people.contact_update(actor=cast.admin, contact=known, title="Chief Technology Officer")
    # when the import is undone
    services.import_undo(user=cast.admin, job=job)
    # then that contact keeps every field as it is now (their change, and the import's), and
    # the job says which record was left alone and why
    known.refresh_from_db()
    assert (known.first_name, known.title, known.lifecycle_stage) == (
        "Kai",
        "Chief Technology Officer",
        "mql",
    )
    assert job.status == "undone"
    assert job.undo_notes == [
        "contact known@old.test left as it is: its title was changed after the import"
    ]
    assert not Contact.objects.filter(email="new@acme.test").exists()
    page = client_for(cast.admin).get(f"/imports/{job.pk}/").content.decode()
    assert (
        "<li>contact known@old.test left as it is: its title was changed after the import" in page
    )


def test_undo_is_refused_when_a_record_it_created_was_changed_since(cast, imported):
    job, _known = imported
    nia = Contact.objects.get(email="new@acme.test")
    later = job.finished_at + dt.timedelta(minutes=5)
    Contact.objects.filter(pk=nia.pk).update(title="Head buyer", updated_at=later)
    with pytest.raises(InvalidInput) as refused:
        services.import_undo(user=cast.admin, job=job)
    assert refused.value.errors == {
        "job": "cannot undo: contact new@acme.test was changed after the import"
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


# -- deals: created ones changed since refuse the undo; updated ones changed since are kept --

DEALS = "Deal,Amount,Id\r\nAcme pilot,1000,D-1\r\nBeta roll-out,2000,D-2\r\n"
DEAL_MAPPING = {"Deal": "name", "Amount": "amount", "Id": "external_id"}


@pytest.fixture
def known_deal(cast):
    deal = sales.deal_open(actor=cast.sales_rep, name="Acme (old)", owner=cast.sales_rep)
    Deal.objects.filter(pk=deal.pk).update(external_id="D-1")
    return deal


def test_a_deal_changed_since_the_import_is_left_alone(cast, upload, run_import, known_deal):
    job = run_import(upload(DEALS, object_type="deals"), mapping=DEAL_MAPPING)
    known_deal.refresh_from_db()
    assert (known_deal.name, known_deal.amount) == ("Acme pilot", 1000)
    # someone changes the amount the import set
    Deal.objects.filter(pk=known_deal.pk).update(amount=1500)
    services.import_undo(user=cast.admin, job=job)
    job.refresh_from_db()
    known_deal.refresh_from_db()
    assert (known_deal.name, known_deal.amount) == ("Acme pilot", 1500)
    assert job.undo_notes == [
        "deal Acme pilot left as it is: its amount was changed after the import"
    ]
    assert not Deal.objects.filter(external_id="D-2").exists()


def test_a_deal_unchanged_since_the_import_is_restored(cast, upload, run_import, known_deal):
    job = run_import(upload(DEALS, object_type="deals"), mapping=DEAL_MAPPING)
    services.import_undo(user=cast.admin, job=job)
    known_deal.refresh_from_db()
    assert (known_deal.name, known_deal.amount, job.undo_notes) == ("Acme (old)", 0, [])


def test_undo_is_refused_when_a_deal_it_created_was_changed_since(cast, upload, run_import):
    job = run_import(upload(DEALS, object_type="deals"), mapping=DEAL_MAPPING)
    created = Deal.objects.get(external_id="D-2")
    with time_machine.travel(job.finished_at + dt.timedelta(minutes=5), tick=False):
        sales.deal_update(
            actor=cast.admin, deal=created, next_step="Call", next_step_due_on="2030-01-01"
        )
    with pytest.raises(InvalidInput) as refused:
        services.import_undo(user=cast.admin, job=job)
    assert refused.value.errors == {
        "job": "cannot undo: deal Beta roll-out was changed after the import"
    }
