"""The form builder: definitions refused with the reason, custom fields, double opt-in by real
email, the timing check, the hosted page and the embed snippets."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from tandem.errors import InvalidInput
from tandem.marketing import form_services
from tandem.marketing import forms as form_defs
from tandem.marketing.models import FormSubmission, LeadForm
from tandem.people.models import Consent, Contact

FIELDS = [
    {"name": "email", "label": "Email", "maps_to": "email", "is_required": True},
    {"name": "first_name", "label": "First name", "maps_to": "first_name"},
    {"name": "company", "label": "Company", "maps_to": "company", "is_required": True},
    {
        "name": "team_size",
        "label": "Team size",
        "maps_to": "custom",
        "kind": "select",
        "options": ["1-10", "11-50", "51+"],
        "is_required": True,
    },
    {"name": "question", "label": "Your question", "maps_to": "custom", "kind": "textarea"},
]


@pytest.fixture
def built_form(cast, campaign):
    return form_services.form_create(
        actor=cast.marketer,
        name="Plant audit",
        fields=FIELDS,
        campaign=campaign,
        consent_wording="Email me about plant audits.",
    )


@pytest.fixture
def visitor():
    return Client(REMOTE_ADDR="198.51.100.30")


def test_a_built_form_stores_its_normalised_definition(built_form):
    assert built_form.slug == "plant-audit"
    assert [f["name"] for f in built_form.fields] == [
        "email",
        "first_name",
        "company",
        "team_size",
        "question",
    ]
    assert built_form.fields[1] == {
        "name": "first_name",
        "label": "First name",
        "maps_to": "first_name",
        "is_required": False,
        "kind": "text",
        "options": [],
    }


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ([], "fields", "at least the email"),
        ([{"maps_to": "first_name"}], "fields", "must ask for the email"),
        ([{"maps_to": "email", "is_required": False}], "fields.0.is_required", "always required"),
        (
            [{"maps_to": "email"}, {"maps_to": "email", "name": "email2"}],
            "fields.1.maps_to",
            "already fills email",
        ),
        ([{"maps_to": "email"}, {"name": "Bad Name", "label": "x"}], "fields.1.name", "lower-case"),
        ([{"maps_to": "email"}, {"name": "consent", "label": "x"}], "fields.1.name", "form itself"),
        ([{"maps_to": "email"}, {"name": "x", "label": ""}], "fields.1.label", "needs a label"),
        (
            [{"maps_to": "email"}, {"name": "x", "label": "X", "maps_to": "salary"}],
            "fields.1.maps_to",
            "use one of",
        ),
        (
            [{"maps_to": "email"}, {"name": "x", "label": "X", "kind": "select"}],
            "fields.1.options",
            "1 to 50 options",
        ),
        (
            [{"maps_to": "email"}, {"name": "x", "label": "X", "options": ["a"]}],
            "fields.1.options",
            "only a select",
        ),
        ([{"maps_to": "email", "colour": "red"}], "fields.0.colour", "not part of a field"),
        ("email", "fields", "list of fields"),
    ],
)
def test_a_malformed_definition_is_refused_with_the_reason(cast, fields, field, reason):
    with pytest.raises(InvalidInput) as caught:
        form_services.form_create(actor=cast.marketer, name="Bad", fields=fields)

    assert reason in caught.value.errors[field]
    assert LeadForm.objects.count() == 0


def test_a_sales_rep_may_not_build_forms(cast):
    with pytest.raises(Exception, match="may not create"):
        form_services.form_create(actor=cast.sales_rep, name="Mine")


def _started_long_ago() -> str:
    return signing.Signer(salt=form_services.FORM_STARTED_SALT).sign(f"{time.time() - 30:.3f}")


def test_submission_maps_fields_and_keeps_custom_answers(cast, built_form, visitor):
    response = visitor.post(
        f"/f/{built_form.slug}/",
        {
            "email": "cy@cyan.test",
            "first_name": "Cy",
            "company": "Cyan Foods",
            "team_size": "11-50",
            "question": "Do you audit bakeries?",
            "consent": "yes",
            "form_started": _started_long_ago(),
        },
    )

    assert response.status_code == 201
    contact = Contact.objects.get(email="cy@cyan.test")
    assert (contact.first_name, contact.account.name) == ("Cy", "Cyan Foods")
    submission = FormSubmission.objects.get()
    assert submission.data == {
        "email": "cy@cyan.test",
        "first_name": "Cy",
        "company": "Cyan Foods",
        "team_size": "11-50",
        "question": "Do you audit bakeries?",
    }
    assert submission.consent_wording == "Email me about plant audits."


def test_required_and_choice_fields_are_checked_by_their_names(cast, built_form, visitor):
    response = visitor.post(
        f"/f/{built_form.slug}/",
        {"email": "cy@cyan.test", "team_size": "a thousand"},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 422
    assert {e["field"]: e["message"] for e in response.json()["errors"]} == {
        "company": "is required",
        "team_size": "choose one of the options",
    }


def test_hosted_page_shows_custom_fields_and_the_timing_token(built_form, visitor):
    html = visitor.get(f"/f/{built_form.slug}/?utm_source=x").content.decode()

    assert '<select id="team_size" name="team_size" required' in html
    assert '<textarea id="question" name="question"' in html
    assert re.search(r'name="form_started" value="[^"]+:[^"]+"', html)
    assert 'name="utm_source" value="x"' in html


def test_a_form_sent_back_too_fast_is_refused(cast, built_form, visitor, settings):
    settings.TANDEM_FORM_MIN_SECONDS = 2
    page = visitor.get(f"/f/{built_form.slug}/").content.decode()
    token = re.search(r'name="form_started" value="([^"]+)"', page).group(1)

    response = visitor.post(
        f"/f/{built_form.slug}/",
        {"email": "bot@bot.test", "company": "B", "team_size": "51+", "form_started": token},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "sent too quickly"
    assert Contact.objects.count() == 0


def test_a_forged_timing_token_is_refused(cast, built_form, visitor):
    response = visitor.post(
        f"/f/{built_form.slug}/",
        {"email": "bot@bot.test", "form_started": "1:forged"},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    assert Contact.objects.count() == 0


def test_double_opt_in_grants_consent_only_on_confirm(
    cast, campaign, smtp_inbox, visitor, django_capture_on_commit_callbacks
):
    form = form_services.form_create(
        actor=cast.marketer,
        name="Newsletter",
        is_double_opt_in=True,
        consent_wording="Send me the monthly letter.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(
            "/f/newsletter/",
            {"email": "di@dove.test", "consent": "yes", "form_started": _started_long_ago()},
        )

    assert response.status_code == 201
    assert b"check your inbox" in response.content
    assert Consent.objects.get(contact__email="di@dove.test").is_granted is False
    [message] = smtp_inbox.messages
    assert message["X-Envelope-To"] == "di@dove.test"
    body = message.get_payload(decode=True).decode()
    assert "Send me the monthly letter." in body
    link = re.search(r"http://\S+/f/confirm/\S+/", body).group(0)

    confirmed = Client().get(urlsplit(link).path)
    again = Client().get(urlsplit(link).path)

    assert confirmed.status_code == again.status_code == 200
    consent = Consent.objects.get(contact__email="di@dove.test")
    assert (consent.is_granted, consent.wording) == (True, "Send me the monthly letter.")
    assert consent.source == "form:newsletter (confirmed by email)"
    submission = FormSubmission.objects.get()
    assert submission.confirmed_at is not None
    assert (submission.form, submission.contact.email) == (form, "di@dove.test")


def test_a_tampered_confirmation_link_is_refused(db):
    response = Client().get("/f/confirm/1:nonsense/")

    assert response.status_code == 400
    assert b"not valid" in response.content


def test_unticked_consent_on_a_double_opt_in_form_sends_no_email(
    cast, smtp_inbox, visitor, django_capture_on_commit_callbacks
):
    form_services.form_create(actor=cast.marketer, name="Letter", is_double_opt_in=True)

    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/f/letter/", {"email": "ed@egg.test", "form_started": _started_long_ago()})

    assert smtp_inbox.messages == []


def test_builder_page_creates_a_form_with_a_custom_field(cast, signed_in):
    client = signed_in(cast.marketer)

    response = client.post(
        "/marketing/forms/new/",
        {
            "name": "Trade show",
            "consent_wording": "OK to email me.",
            "thank_you": "Thanks!",
            "row_count": "3",
            "f-0-name": "email",
            "f-0-label": "Email",
            "f-0-maps_to": "email",
            "f-0-kind": "email",
            "f-0-required": "on",
            "f-1-name": "booth",
            "f-1-label": "Which booth?",
            "f-1-maps_to": "custom",
            "f-1-kind": "select",
            "f-1-options": "A, B",
            "f-2-name": "",
            "f-2-label": "",
            "f-2-maps_to": "custom",
            "f-2-kind": "text",
        },
    )

    form = LeadForm.objects.get(slug="trade-show")
    assert response.status_code == 302
    assert [(f["name"], f["options"]) for f in form.fields] == [
        ("email", []),
        ("booth", ["A", "B"]),
    ]
    page = client.get(f"/marketing/forms/{form.pk}/").content.decode()
    assert "&lt;iframe data-tandem-form src=" in page
    assert "/static/tandem/tracker.js" in page
    # the plain HTML snippet carries the hidden inputs the tracker fills from the host page
    assert "&lt;form data-tandem-form method=" in page
    for name in ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"):
        assert f'&lt;input type="hidden" name="{name}"&gt;' in page
    assert '&lt;input type="hidden" name="referrer"&gt;' in page


def test_builder_page_shows_a_definition_error_on_its_row(cast, signed_in):
    response = signed_in(cast.marketer).post(
        "/marketing/forms/new/",
        {
            "name": "Broken",
            "row_count": "2",
            "f-0-name": "email",
            "f-0-label": "Email",
            "f-0-maps_to": "email",
            "f-0-kind": "email",
            "f-0-required": "on",
            "f-1-name": "pick",
            "f-1-label": "Pick",
            "f-1-maps_to": "custom",
            "f-1-kind": "select",
        },
    )

    assert response.status_code == 422
    assert "a choice needs 1 to 50 options" in response.content.decode()


@pytest.mark.parametrize("role", ["sales_rep", "employee"])
def test_wrong_roles_may_not_open_the_form_builder(cast, signed_in, role):
    assert signed_in(cast.by_role(role)).get("/marketing/forms/").status_code == 403


def test_default_fields_keep_the_standard_form(lead_form):
    assert form_defs.fields_of(lead_form) == form_defs.DEFAULT_FIELDS


def test_builder_pages_open(cast, built_form, signed_in):
    client = signed_in(cast.marketer)

    assert client.get("/marketing/forms/new/").status_code == 200
    assert client.get(f"/marketing/forms/{built_form.pk}/").status_code == 200
    assert client.get("/marketing/forms/").status_code == 200
