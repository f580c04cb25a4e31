"""The custom field condition of segment rules: answers on both databases, errors naming the
path and the field, membership kept fresh when a value changes, and the field indexed."""

from __future__ import annotations

import pytest

from tandem.errors import InvalidInput
from tandem.fields.models import CustomField
from tandem.people import services as people
from tandem.people.models import Contact
from tandem.segments import services
from tandem.segments.conditions import catalogue, matching_contacts, rule_describe
from tandem.segments.models import SegmentMember
from tests.factories import AccountFactory, ContactFactory


def rule(*conditions, match="all"):
    return {"match": match, "conditions": list(conditions)}


def cond(field, op, value=None, value_to=None):
    return {"type": "custom_field", "field": field, "op": op, "value": value, "value_to": value_to}


@pytest.fixture
def crowd(defined):
    big = AccountFactory(name="Big", custom={"employees": 5000})
    ContactFactory(
        email="ann@big.test", account=big, custom={"plants": 12, "tier": "Gold", "tools": ["SAP"]}
    )
    ContactFactory(email="bob@big.test", account=big, custom={"plants": 2, "tier": "Silver"})
    ContactFactory(email="cy@small.test", account=AccountFactory(custom={"employees": 8}),
                   custom={"plants": 30, "renewal_on": "2027-01-15"})  # fmt: skip
    return defined


def emails(raw) -> list[str]:
    return sorted(matching_contacts(raw).values_list("email", flat=True))


def test_number_ranges_and_account_fields_combine(crowd):
    assert emails(rule(cond("contact.plants", "gte", "10"))) == ["ann@big.test", "cy@small.test"]
    assert emails(
        rule(cond("contact.plants", "gte", "10"), cond("account.employees", "gte", "1,000"))
    ) == ["ann@big.test"]
    assert emails(rule(cond("contact.plants", "between", "2", "12"))) == [
        "ann@big.test",
        "bob@big.test",
    ]


def test_choices_dates_and_empties(crowd):
    assert emails(rule(cond("contact.tier", "one_of", "gold, silver"))) == [
        "ann@big.test",
        "bob@big.test",
    ]
    assert emails(rule(cond("contact.tools", "any_of", ["SAP", "Odoo"]))) == ["ann@big.test"]
    assert emails(rule(cond("contact.renewal_on", "lte", "2027-06-30"))) == ["cy@small.test"]
    assert emails(rule(cond("contact.tier", "is_empty"))) == ["cy@small.test"]


def test_bad_conditions_name_the_path_and_the_field(crowd):
    with pytest.raises(InvalidInput) as bad_value:
        emails(rule(cond("contact.plants", "gte", "ten")))
    assert bad_value.value.errors == {"rule.conditions[0].value": "Plants: 'ten' is not a number"}
    with pytest.raises(InvalidInput) as unknown:
        emails(rule(cond("contact.colour", "equals", "red")))
    assert unknown.value.errors == {
        "rule.conditions[0].field": "there is no custom field 'contact.colour'"
    }
    with pytest.raises(InvalidInput) as bad_op:
        emails(rule(cond("contact.tier", "gte", "Gold")))
    assert list(bad_op.value.errors) == ["rule.conditions[0].op"]


def test_the_builder_lists_the_fields_and_the_rule_reads_in_words(crowd):
    spec = next(t for t in catalogue() if t["type"] == "custom_field")
    choices = [c[0] for c in spec["params"][0]["choices"]]
    assert choices[:2] == ["contact.plants", "contact.budget"]
    assert "account.employees" in choices
    assert rule_describe(rule(cond("contact.tier", "one_of", "gold"))) == [
        (0, "All of these:"),
        (1, "Contact Tier is one of Gold"),
    ]


def test_a_saved_segment_indexes_its_field_and_stays_fresh(
    cast, crowd, django_capture_on_commit_callbacks
):
    # given a segment on plants ≥ 10, saved (its field's index is built after commit)
    with django_capture_on_commit_callbacks(execute=True):
        segment = services.segment_create(
            actor=cast.marketer, name="Many plants", rule=rule(cond("contact.plants", "gte", "10"))
        )
    assert CustomField.objects.get(pk=crowd.plants.pk).is_indexed is True
    members = SegmentMember.objects.filter(segment=segment)
    assert sorted(members.values_list("contact__email", flat=True)) == [
        "ann@big.test",
        "cy@small.test",
    ]
    # when Bob's plants grow past ten
    bob = Contact.objects.get(email="bob@big.test")
    with django_capture_on_commit_callbacks(execute=True):
        people.contact_update(actor=cast.admin, contact=bob, custom={"plants": "11"})
    # then he joins the segment
    assert members.filter(contact__email="bob@big.test").exists()
