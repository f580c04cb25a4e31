"""An erased address comes back (an import, a form): the contact may exist, never subscribed."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from tandem.errors import InvalidInput
from tandem.imports import services as imports
from tandem.imports.running import job_run
from tandem.mailing import engine, gate, template_services
from tandem.mailing import services as mailing
from tandem.mailing.models import Suppression
from tandem.marketing import form_services
from tandem.people import services as people
from tandem.people.models import Consent, Contact
from tandem.privacy import addresses
from tandem.privacy import services as privacy
from tandem.segments import services as segments
from tandem.segments.models import Segment

ADDRESS = "kim.erased@example.test"


@pytest.fixture
def erased(cast):
    """Kim agreed to email, then asked to be forgotten."""
    kim = people.contact_create(actor=cast.admin, email=ADDRESS, first_name="Kim", last_name="Lo")
    people.consent_record(contact=kim, channel="email", is_granted=True, source="test")
    privacy.contact_erase(actor=cast.admin, contact=kim, confirm_email=ADDRESS)
    return kim


def _consent_granted(email: str) -> bool:
    return Consent.objects.filter(contact__email=email, channel="email", is_granted=True).exists()


def _mailed(cast, contact: Contact) -> list[str]:
    """Who a marketing send to a list holding ``contact`` reaches."""
    template = template_services.template_create(
        actor=cast.marketer, name="News", subject="News", html_body="<p>Hi</p>", text_body="Hi"
    )
    audience = segments.segment_create(actor=cast.marketer, name="All", kind=Segment.Kind.STATIC)
    segments.segment_members_add(actor=cast.marketer, segment=audience, contacts=[contact])
    send = mailing.send_create(
        actor=cast.marketer,
        name="News",
        template=template,
        segments=[audience],
        from_email="news@acme.test",
    )
    mailing.send_start(actor=cast.marketer, send=send)
    engine.send_batch_run(send_id=send.pk)
    return [to for message in mail.outbox for to in message.to]


def test_the_address_is_kept_only_as_a_salted_hash(erased):
    assert not Suppression.objects.filter(email=ADDRESS).exists()
    kept = Suppression.objects.get(email_hash=addresses.address_hash(ADDRESS))
    assert kept.email is None and ADDRESS not in kept.detail
    assert Contact.objects.get(pk=erased.pk).email == f"erased-{erased.pk}@erased.invalid"


def test_the_hash_needs_the_secret(settings):
    first = addresses.address_hash(ADDRESS)
    settings.SECRET_KEY = "another-secret"
    assert addresses.address_hash(ADDRESS) != first


def test_a_form_with_the_address_records_the_contact_but_no_consent_and_no_email(
    cast, erased, lead_form
):
    form_services.form_submit(
        form=lead_form,
        data={"email": ADDRESS, "first_name": "Kim", "consent": "yes"},
        client_address="203.0.113.5",
    )
    back = Contact.objects.get(email=ADDRESS)
    assert not _consent_granted(ADDRESS)
    assert gate.address_is_suppressed(ADDRESS) == "erased"
    mail.outbox.clear()
    assert _mailed(cast, back) == []


def test_a_reimport_with_consent_cannot_subscribe_them_again(cast, erased, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    job = imports.import_upload(
        user=cast.admin,
        file=io.BytesIO(f"Email,Marketing emails\r\n{ADDRESS},opted in\r\n".encode()),
        filename="again.csv",
        object_type="contacts",
    )
    imports.import_configure(
        user=cast.admin,
        job=job,
        mapping={"Email": "email", "Marketing emails": "consent.email"},
        value_maps=job.value_maps,
    )
    imports.import_start(user=cast.admin, job=job, enqueue=False)
    job_run(job.pk)
    back = Contact.objects.get(email=ADDRESS)
    assert not _consent_granted(ADDRESS)
    mail.outbox.clear()
    assert _mailed(cast, back) == []


def test_another_address_is_not_held_back(cast, erased):
    other = people.contact_create(actor=cast.admin, email="lou@example.test")
    people.consent_record(contact=other, channel="email", is_granted=True, source="test")
    assert _consent_granted("lou@example.test")
    assert not Suppression.objects.filter(email="lou@example.test").exists()


def test_the_erase_asks_for_the_address_and_an_admin(cast):
    kim = people.contact_create(actor=cast.admin, email=ADDRESS, first_name="Kim")
    with pytest.raises(InvalidInput) as refused:
        privacy.contact_erase(actor=cast.admin, contact=kim, confirm_email="kim@elsewhere.test")
    assert refused.value.errors == {"confirm_email": "type the contact's email address to confirm"}
    with pytest.raises(PermissionDenied):
        privacy.contact_erase(actor=cast.marketing_manager, contact=kim, confirm_email=ADDRESS)
    assert Contact.objects.get(pk=kim.pk).first_name == "Kim"
