"""A lead form field can fill a contact custom field: a submission sets it, a bad answer is
named by its name on the form and nothing is stored."""

from __future__ import annotations

import pytest

from tandem.errors import InvalidInput
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
