"""The one gate of every email to a contact: each path refused for a suppressed address (by the
address, or by its salted hash alone, as an erased person is kept), and the one-click
unsubscribe on what it lets through. Real SMTP on loopback."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from tandem.collaboration import survey_services
from tandem.collaboration.models import SurveyInvitation
from tandem.mailing import engine, gate, services
from tandem.mailing.models import EmailRecipient, Suppression
from tandem.marketing import form_services
from tandem.people import services as people
from tandem.people.email_gate import Purpose
from tandem.people.models import Consent, ConsentEntry

ADDRESS = "cleo@acme.test"


@pytest.fixture
def customer(cast):
    """A customer who agreed to email."""
    contact = people.contact_create(
        actor=cast.marketer, email=ADDRESS, first_name="Cleo", audience_types=["customer"]
    )
    people.consent_record(contact=contact, channel="email", is_granted=True, source="test")
    return contact


def suppress_by_address(email: str) -> str:
    services.suppression_add(email=email, reason="bounced", detail="550 no such user")
    return "suppressed: bounced"


def suppress_by_hash(email: str) -> str:
    # As erase keeps a person: the hash alone, no address.
    Suppression.objects.create(
        email=None, email_hash=gate.address_hash(email), reason="erased", created_at=timezone.now()
    )
    return "suppressed: erased"


def by_campaign_send(cast, contact, suppress, capture, make_send) -> str:
    send = make_send([contact], batch_size=10)
    services.send_start(actor=cast.marketer, send=send)
    suppress()
    engine.send_batch_run(send_id=send.pk)
    return EmailRecipient.objects.get(send=send).reason


def by_survey_invitation(cast, contact, suppress, capture, make_send) -> str:
    survey = survey_services.survey_create(
        actor=cast.marketer, title="How are we doing?", questions=[{"kind": "nps", "text": "?"}]
    )
    with capture() as callbacks:
        survey_services.survey_send(actor=cast.marketer, survey=survey, audience_type="customer")
    suppress()  # between the send and the worker's message
    for callback in callbacks:
        callback()
    is_kept = SurveyInvitation.objects.filter(survey=survey, contact=contact).exists()
    return (
        ""
        if is_kept
        else gate.email_refusal(contact_id=contact.pk, email=contact.email, purpose=Purpose.SURVEY)
    )


def by_journey_step(cast, contact, suppress, capture, make_send) -> str:
    # Journeys and sequences send through the gate as documented in ``mailing.gate``.
    suppress()
    return gate.contact_email_send(
        contact=contact, purpose=Purpose.MARKETING, subject="Step 2", body="Here is step two."
    )


def by_double_opt_in_request(cast, contact, suppress, capture, make_send) -> str:
    form = form_services.form_create(
        actor=cast.marketer, name="Letter", is_double_opt_in=True, consent_wording="Monthly."
    )
    with capture() as callbacks:
        form_services.form_submit(
            form=form, data={"email": contact.email, "consent": "yes"}, client_address="unknown"
        )
    suppress()
    for callback in callbacks:
        callback()
    return gate.email_refusal(
        contact_id=contact.pk, email=contact.email, purpose=Purpose.CONFIRMATION
    )


PATHS: dict[str, Callable[..., str]] = {
    "campaign send": by_campaign_send,
    "survey invitation": by_survey_invitation,
    "journey or sequence step": by_journey_step,
    "double opt-in request": by_double_opt_in_request,
}


@pytest.mark.parametrize(
    "suppress", [suppress_by_address, suppress_by_hash], ids=["address", "hash"]
)
@pytest.mark.parametrize("path", list(PATHS))
def test_every_email_path_refuses_a_suppressed_address(
    path, suppress, cast, customer, make_send, smtp_inbox, django_capture_on_commit_callbacks
):
    expected: list[str] = []

    def suppress_now() -> None:
        expected.append(suppress(customer.email))

    refusal = PATHS[path](
        cast, customer, suppress_now, django_capture_on_commit_callbacks, make_send
    )

    assert refusal == expected[0]
    assert smtp_inbox.messages == []


@pytest.mark.parametrize("path", list(PATHS))
def test_every_email_path_delivers_to_an_address_that_may_have_it(
    path, cast, customer, make_send, smtp_inbox, django_capture_on_commit_callbacks
):
    refusal = PATHS[path](
        cast, customer, lambda: None, django_capture_on_commit_callbacks, make_send
    )

    assert refusal == ""
    [message] = smtp_inbox.messages
    assert message["X-Envelope-To"] == ADDRESS
    if path == "double opt-in request":
        assert message["List-Unsubscribe"] is None  # the answer to their own request
    else:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(
            r"<http://127\.0\.0\.1:8000/mail/[up]/[^>]+/>",
            "".join(message["List-Unsubscribe"].split()),
        )


def test_a_survey_invitation_carries_the_visible_link_and_its_one_click_post_unsubscribes(
    cast, customer, make_send, smtp_inbox, django_capture_on_commit_callbacks
):
    # given a survey invitation that went out
    by_survey_invitation(
        cast, customer, lambda: None, django_capture_on_commit_callbacks, make_send
    )
    [message] = smtp_inbox.messages
    body = message.get_payload(decode=True).decode()
    header_url = "".join(message["List-Unsubscribe"].split()).strip("<>")
    assert f"Unsubscribe or choose what you receive: {header_url}" in body

    # when the mail provider posts the one-click body (no session, no CSRF token)
    path = header_url.removeprefix("http://127.0.0.1:8000")
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})

    # then consent is withdrawn (logged) and the address suppressed: the next survey is refused
    assert response.status_code == 200
    assert Consent.objects.get(contact=customer).is_granted is False
    entry = ConsentEntry.objects.filter(contact=customer).latest("id")
    assert (entry.action, entry.source) == ("withdrawn", "unsubscribe link")
    assert Suppression.objects.get(email=ADDRESS).reason == "unsubscribed"
    assert (
        gate.email_refusal(contact_id=customer.pk, email=ADDRESS, purpose=Purpose.SURVEY)
        == "email consent withdrawn"
    )


def test_an_unsubscribed_address_may_opt_in_again_by_double_opt_in_which_lifts_the_unsubscribe(
    cast, customer, smtp_inbox, django_capture_on_commit_callbacks
):
    # given the customer unsubscribed (suppressed as unsubscribed, consent withdrawn)
    services.suppression_add(email=ADDRESS, reason="unsubscribed")
    people.consent_record(contact=customer, channel="email", is_granted=False, source="test")
    form = form_services.form_create(
        actor=cast.marketer, name="Letter", is_double_opt_in=True, consent_wording="Monthly."
    )

    # when they fill in a double opt-in form and follow the link they are sent
    with django_capture_on_commit_callbacks(execute=True):
        form_services.form_submit(
            form=form, data={"email": ADDRESS, "consent": "yes"}, client_address="unknown"
        )
    [message] = smtp_inbox.messages
    link = re.search(r"http://\S+(/f/confirm/\S+/)", message.get_payload(decode=True).decode())
    assert Client().get(link.group(1)).status_code == 200

    # then consent is granted again and marketing email may go to them
    assert not Suppression.objects.filter(email=ADDRESS).exists()
    assert gate.email_refusal(contact_id=customer.pk, email=ADDRESS, purpose="marketing") == ""
    entry = ConsentEntry.objects.filter(contact=customer).latest("id")
    assert (entry.action, entry.source) == ("regranted", "form:letter (confirmed by email)")


def test_a_bounced_address_gets_no_double_opt_in_request(cast, customer, smtp_inbox):
    suppress_by_address(ADDRESS)

    assert (
        gate.email_refusal(contact_id=customer.pk, email=ADDRESS, purpose=Purpose.CONFIRMATION)
        == "suppressed: bounced"
    )


def test_the_hash_is_salted_with_the_install_secret_and_survives_a_rotation(db, settings):
    old = gate.address_hash(" Cleo@Acme.test ")
    assert old == gate.address_hash(ADDRESS)
    assert len(old) == 64 and ADDRESS not in old

    # a rotated secret keeps the old one as a fallback: the erased address still matches
    Suppression.objects.create(email_hash=old, reason="erased", created_at=timezone.now())
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-" + "x" * 50

    assert gate.address_hash(ADDRESS) != old
    assert gate.address_is_suppressed(ADDRESS) == "erased"
    assert gate.address_is_suppressed("someone@else.test") is None


def test_a_new_suppression_carries_the_hash_of_its_address(db):
    suppression = services.suppression_add(email="Dan@Acme.test", reason="manual")

    assert suppression.email_hash == gate.address_hash("dan@acme.test")
