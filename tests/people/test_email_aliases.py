"""An address merged away (``EmailAlias``) still finds the contact it was merged into, at
every door that finds a contact by email."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tandem.access import services as access
from tandem.errors import InvalidInput
from tandem.mailing import services as mailing
from tandem.marketing import form_services
from tandem.people import services as people
from tandem.people.merge import contact_merge
from tandem.people.models import Consent, Contact, EmailAlias
from tandem.people.selectors import contact_ids_by_emails
from tandem.segments import services as segments
from tandem.segments.models import Segment, SegmentMember
from tests.api.conftest import Api


@pytest.fixture
def ann(cast) -> Contact:
    """Ann, who was also in the database as anne@acme.test until that record was merged."""
    kept = people.contact_create(actor=cast.admin, email="ann@acme.test", first_name="Ann")
    merged = people.contact_create(actor=cast.admin, email="anne@acme.test", first_name="Anne")
    contact_merge(user=cast.admin, kept=kept, merged=merged)
    kept.refresh_from_db()
    return kept


@pytest.fixture
def static_list(cast) -> Segment:
    return segments.segment_create(actor=cast.marketer, name="Fair", kind=Segment.Kind.STATIC)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_selector_names_each_address_own_or_merged_away_and_leaves_out_unknown(cast, ann):
    bob = people.contact_create(actor=cast.admin, email="bob@acme.test")

    found = contact_ids_by_emails(["anne@acme.test", "bob@acme.test", "nobody@acme.test", ""])

    assert found == {"anne@acme.test": ann.pk, "bob@acme.test": bob.pk}


def test_the_selector_reads_in_chunks_with_a_fixed_number_of_queries(
    cast, ann, django_assert_num_queries
):
    addresses = [f"p{i}@acme.test" for i in range(1000)] + ["anne@acme.test"]

    # two chunks of 900 (the second holding the alias): an own-address read each, and an
    # alias read for each chunk with addresses left over
    with django_assert_num_queries(4):
        found = contact_ids_by_emails(addresses)

    assert found == {"anne@acme.test": ann.pk}


def test_a_csv_upload_to_a_static_list_adds_the_kept_contact_once(cast, ann, static_list):
    # given a file naming Ann by both her addresses
    csv_text = "email\nAnne@acme.test\nann@acme.test\nzoe@acme.test\n"

    result = segments.segment_members_import(
        actor=cast.marketer, segment=static_list, csv_text=csv_text
    )

    assert result.added == 1
    assert result.errors == [(4, "no contact has the address zoe@acme.test")]
    assert list(SegmentMember.objects.values_list("contact_id", flat=True)) == [ann.pk]


def test_the_list_page_upload_and_add_by_email_follow_the_alias(cast, ann, static_list):
    client = _signed_in(cast.marketer)
    upload = SimpleUploadedFile("list.csv", b"email\nanne@acme.test\n", "text/csv")

    response = client.post(
        reverse("segments:members_import", args=[static_list.pk]), {"file": upload}
    )

    assert response.status_code == 200
    assert list(SegmentMember.objects.values_list("contact_id", flat=True)) == [ann.pk]
    SegmentMember.objects.all().delete()
    client.post(reverse("segments:members_add", args=[static_list.pk]), {"email": "anne@acme.test"})
    assert list(SegmentMember.objects.values_list("contact_id", flat=True)) == [ann.pk]


def test_the_api_adds_list_members_by_an_address_merged_away(cast, ann, static_list):
    _, raw = access.token_issue(user=cast.marketer, name="lists")

    response = Api(raw).post(
        f"/segments/{static_list.pk}/members", {"emails": ["anne@acme.test", "ann@acme.test"]}
    )

    assert response.status_code == 200
    assert response.json() == {"added": 1, "errors": []}
    assert list(SegmentMember.objects.values_list("contact_id", flat=True)) == [ann.pk]


def test_the_api_finds_a_contact_by_an_address_merged_away(cast, ann):
    _, raw = access.token_issue(user=cast.admin, name="lookup")

    by_alias = Api(raw).get("/contacts", email="Anne@acme.test")
    by_own = Api(raw).get("/contacts", email="ann@acme.test")
    unknown = Api(raw).get("/contacts", email="nobody@acme.test")

    assert [c["id"] for c in by_alias.json()["items"]] == [ann.pk]
    assert [c["id"] for c in by_own.json()["items"]] == [ann.pk]
    assert unknown.json()["items"] == []


def test_a_new_contact_may_not_take_an_address_merged_into_another(cast, ann):
    _, raw = access.token_issue(user=cast.admin, name="create")

    response = Api(raw).post("/contacts", {"email": "anne@acme.test"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "email",
            "message": f"anne@acme.test was merged into contact #{ann.pk}, which it still reaches",
        }
    ]
    with pytest.raises(InvalidInput):
        people.contact_create(actor=cast.admin, email="anne@acme.test")


def test_a_contact_may_take_back_its_own_old_address(cast, ann):
    bob = people.contact_create(actor=cast.admin, email="bob@acme.test")

    with pytest.raises(InvalidInput):
        people.contact_update(actor=cast.admin, contact=bob, email="anne@acme.test")
    people.contact_update(actor=cast.admin, contact=ann, email="anne@acme.test")

    ann.refresh_from_db()
    assert ann.email == "anne@acme.test"
    assert not EmailAlias.objects.filter(email="anne@acme.test").exists()


def test_a_form_submission_with_the_old_address_lands_on_the_kept_contact(cast, ann):
    form = form_services.form_create(actor=cast.marketer, name="Plant audit")

    result = form_services.form_submit(
        form=form,
        data={"email": "anne@acme.test", "consent": "on"},
        client_address="198.51.100.30",
    )

    assert result.is_new_contact is False
    assert result.submission.contact_id == ann.pk
    assert Contact.objects.count() == 1


@pytest.mark.parametrize("kind", ["unsubscribe", "complaint"])
def test_an_unsubscribe_or_complaint_for_the_old_address_withdraws_the_kept_consent(
    cast, ann, kind
):
    people.consent_record(contact=ann, channel="email", is_granted=True, source="form")

    mailing.email_event_record(kind=kind, email="anne@acme.test", via="webhook")

    assert Consent.objects.get(contact=ann, channel="email").is_granted is False


def test_the_email_events_api_follows_the_alias(cast, ann):
    people.consent_record(contact=ann, channel="email", is_granted=True, source="form")
    _, raw = access.token_issue(user=cast.marketing_manager, name="provider")

    response = Api(raw).post(
        "/email-events", {"events": [{"type": "unsubscribe", "email": "anne@acme.test"}]}
    )

    assert response.json() == {"recorded": 1, "errors": []}
    assert Consent.objects.get(contact=ann, channel="email").is_granted is False
