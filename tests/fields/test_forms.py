"""A lead form field can fill a contact custom field: a submission sets it, a bad answer is
named by its name on the form and nothing is stored."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.errors import InvalidInput
from tandem.fields.field_services import custom_field_archive
from tandem.marketing import form_services
from tandem.marketing.models import FormSubmission
from tandem.people.models import Contact

FIELDS = [
    {"name": "email", "maps_to": "email", "is_required": True},
    {"name": "sites", "label": "How many plants?", "maps_to": "field:plants"},
    {"name": "tier", "maps_to": "field:tier", "kind": "select",
     "options": ["Gold", "Silver", "Bronze"]},
    {"name": "partner", "label": "We are a partner", "maps_to": "field:is_partner",
     "kind": "checkbox"},
]  # fmt: skip


@pytest.fixture
def form(cast, defined):
    return form_services.form_create(actor=cast.marketer, name="Plant survey", fields=FIELDS)


def submit(form, **data):
    return form_services.form_submit(
        form=form, data={"consent": "yes", **data}, client_address="203.0.113.9"
    )


def test_a_submission_sets_the_contacts_custom_fields(form):
    submit(form, email="ann@acme.test", sites="1,200", tier="Gold", partner="on")
    assert Contact.objects.get(email="ann@acme.test").custom == {
        "plants": 1200,
        "tier": "Gold",
        "is_partner": True,
    }


def test_a_blank_answer_keeps_what_is_known(form):
    submit(form, email="ann@acme.test", sites="40")
    submit(form, email="ann@acme.test", sites="", tier="Silver")
    assert Contact.objects.get(email="ann@acme.test").custom == {"plants": 40, "tier": "Silver"}


def test_a_bad_answer_is_named_and_nothing_is_stored(form):
    with pytest.raises(InvalidInput) as refused:
        submit(form, email="ann@acme.test", sites="a dozen")
    assert refused.value.errors == {"sites": "Plants: 'a dozen' is not a number"}
    assert not Contact.objects.filter(email="ann@acme.test").exists()
    assert not FormSubmission.objects.exists()


def test_a_form_cannot_fill_an_unknown_field(cast, defined):
    with pytest.raises(InvalidInput) as refused:
        form_services.form_create(
            actor=cast.marketer,
            name="Bad",
            fields=[FIELDS[0], {"name": "x", "maps_to": "field:nope"}],
        )
    assert list(refused.value.errors) == ["fields.1.maps_to"]


# -- a form field whose custom field was archived or deleted since the form was built -------

ARCHIVED_PROBLEM = (
    "the contact custom field 'Plants' is archived: answers are kept with the submission but "
    "no longer fill the contact; choose another target, or bring the field back on the custom "
    "fields page"
)


def test_a_form_cannot_be_built_on_an_archived_field(cast, defined):
    custom_field_archive(actor=cast.admin, field=defined.plants)
    with pytest.raises(InvalidInput) as refused:
        form_services.form_create(actor=cast.marketer, name="Bad", fields=FIELDS[:2])
    assert refused.value.errors == {"fields.1.maps_to": ARCHIVED_PROBLEM}


def test_the_builder_says_which_field_fills_nothing_and_keeps_its_target(form, cast, defined):
    custom_field_archive(actor=cast.admin, field=defined.plants)
    defined.tier.delete()
    client = Client()
    client.force_login(cast.marketer)
    page = client.get(f"/marketing/forms/{form.pk}/").content.decode()
    assert ARCHIVED_PROBLEM.replace("'", "&#x27;") in page
    assert "the contact custom field &#x27;tier&#x27; no longer exists" in page
    assert '<option value="field:tier" selected>field:tier (fills nothing)</option>' in page


def test_the_public_form_still_takes_answers_kept_with_the_submission(form, cast, defined):
    # given a field the form fills archived, and another deleted
    custom_field_archive(actor=cast.admin, field=defined.plants)
    defined.tier.delete()
    visitor = Client(REMOTE_ADDR="198.51.100.20")
    assert visitor.get(f"/f/{form.slug}/").status_code == 200
    # when a visitor answers them
    response = visitor.post(
        f"/f/{form.slug}/",
        {
            "email": "ann@acme.test",
            "sites": "40",
            "tier": "Gold",
            "partner": "on",
            "consent": "yes",
        },
    )
    # then the submission is taken; only the live field fills the contact
    assert response.status_code == 201
    assert Contact.objects.get(email="ann@acme.test").custom == {"is_partner": True}
    data = FormSubmission.objects.get().data
    assert (data["sites"], data["tier"]) == ("40", "Gold")
