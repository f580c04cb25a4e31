"""ICP rules on custom fields of contacts and accounts: saved with their problems named, the
same answer for one contact (the reasons shown) and for everyone at once (the rescore)."""

from __future__ import annotations

import pytest

from tandem.errors import InvalidInput
from tandem.fields.models import CustomField
from tandem.handoff import services as handoff
from tandem.handoff.scoring import fit_lines, profile
from tandem.people.models import Contact
from tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def scored(cast, defined, django_capture_on_commit_callbacks):
    big = AccountFactory(name="Big", industry="", size_band="", custom={"employees": 5000,
                         "segment_code": "ENT"})  # fmt: skip
    small = AccountFactory(name="Small", industry="", size_band="", custom={"employees": 12})
    ContactFactory(email="ann@big.test", title="", account=big,
                   custom={"plants": 12, "tier": "Gold", "is_partner": True})  # fmt: skip
    ContactFactory(email="bob@small.test", title="", account=small,
                   custom={"plants": 2, "tier": "Bronze"})  # fmt: skip
    save = handoff.icp_rule_save
    with django_capture_on_commit_callbacks(execute=True):
        save(
            actor=cast.admin,
            kind="custom_range",
            field="contact.custom.plants",
            values=["10", ""],
            points=20,
            label="ten plants or more",
        )
        save(
            actor=cast.admin,
            kind="custom_one_of",
            field="contact.custom.tier",
            values=["gold", "silver"],
            points=7,
            label="gold or silver tier",
        )
        save(
            actor=cast.admin,
            kind="custom_one_of",
            field="contact.custom.is_partner",
            values=["yes"],
            points=3,
            label="a partner",
        )
        save(
            actor=cast.admin,
            kind="custom_range",
            field="account.custom.employees",
            values=["1,000", "100,000"],
            points=11,
            label="1,000 to 100,000 employees",
        )
    return defined  # fmt: skip


def test_one_contacts_reasons(scored):
    ann = Contact.objects.select_related("account").get(email="ann@big.test")
    lines = {(line.points, line.reason) for line in fit_lines(ann, profile())}
    assert lines == {
        (20, "ten plants or more (12)"),
        (7, "gold or silver tier (Gold)"),
        (3, "a partner (True)"),
        (11, "1,000 to 100,000 employees (5000)"),
    }
    bob = Contact.objects.select_related("account").get(email="bob@small.test")
    assert fit_lines(bob, profile()) == []


def test_the_whole_base_rescored_agrees(scored):
    handoff.contacts_rescore_all(hand_off=False)
    fits = dict(Contact.objects.values_list("email", "fit_score"))
    ann = Contact.objects.select_related("account").get(email="ann@big.test")
    assert fits["ann@big.test"] == sum(line.points for line in fit_lines(ann, profile()))
    assert fits["bob@small.test"] == 0


def test_a_rule_on_a_custom_field_indexes_it(scored):
    assert CustomField.objects.get(pk=scored.plants.pk).is_indexed
    assert CustomField.objects.get(pk=scored.employees.pk).is_indexed


@pytest.mark.parametrize(
    ("kind", "field", "values", "errors"),
    [
        ("custom_one_of", "contact.custom.colour", ["red"],
         {"field": "there is no custom field 'contact.custom.colour' (contact.custom.<key>)"}),
        ("custom_range", "contact.custom.tier", ["1", "2"],
         {"field": "Tier is not a number, money or date field"}),
        ("custom_range", "contact.custom.plants", ["many", ""],
         {"values": "Plants: 'many' is not a number"}),
        ("custom_one_of", "contact.custom.tier", ["Diamond"],
         {"values": "Tier: 'Diamond' is not one of Gold, Silver, Bronze"}),
        ("custom_one_of", "contact.custom.is_partner", ["maybe"],
         {"values": "Is partner: 'maybe' is not yes or no"}),
    ],
    ids=["unknown-field", "range-on-choice", "bad-number", "unknown-choice", "bad-yes-no"],
)  # fmt: skip
def test_a_bad_rule_is_refused_naming_the_problem(cast, defined, kind, field, values, errors):
    with pytest.raises(InvalidInput) as refused:
        handoff.icp_rule_save(
            actor=cast.admin, kind=kind, field=field, values=values, points=5, label="x"
        )
    assert refused.value.errors == errors
