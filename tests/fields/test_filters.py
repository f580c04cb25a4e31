"""Filters on custom values give the same answers on SQLite and PostgreSQL, and a filtered
field's expression index is the one the filter's SQL can use."""

from __future__ import annotations

import pytest
from django.db import connection

from tandem.fields.filters import custom_filter_clean
from tandem.fields.indexes import custom_field_index_drop, custom_field_index_ensure
from tandem.people.models import Contact
from tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def people(defined):
    big = AccountFactory(name="Big", custom={"employees": 5000, "segment_code": "ENT"})
    small = AccountFactory(name="Small", custom={"employees": 40, "segment_code": "SMB"})
    ContactFactory(
        email="ann@big.test",
        account=big,
        custom={
            "plants": 9,
            "budget": "1200.50",
            "renewal_on": "2027-03-01",
            "nickname": "Annie",
            "is_partner": True,
            "tier": "Gold",
            "tools": ["SAP", "Excel"],
        },
    )
    ContactFactory(
        email="bob@small.test",
        account=small,
        custom={
            "plants": 10,
            "budget": "999.99",
            "renewal_on": "2026-12-31",
            "nickname": "Bobby",
            "is_partner": False,
            "tier": "Silver",
            "tools": ["Odoo"],
        },
    )
    ContactFactory(email="cy@none.test", account=None, custom={})
    return defined


def emails(field, op, value=None, value_to=None, prefix=""):
    spec = custom_filter_clean(field, op, value, value_to)
    return sorted(Contact.objects.filter(spec.q(prefix=prefix)).values_list("email", flat=True))


CASES = [
    ("plants", "gte", "10", None, ["bob@small.test"]),
    ("plants", "lte", "9", None, ["ann@big.test"]),
    ("plants", "between", "9", "10", ["ann@big.test", "bob@small.test"]),
    ("plants", "equals", "9", None, ["ann@big.test"]),
    ("plants", "is_empty", None, None, ["cy@none.test"]),
    ("budget", "gte", "1,000", None, ["ann@big.test"]),
    ("budget", "lte", "999.99", None, ["bob@small.test"]),
    ("renewal", "gte", "2027-01-01", None, ["ann@big.test"]),
    ("renewal", "between", "2026-12-01", "2026-12-31", ["bob@small.test"]),
    ("nickname", "equals", "annie", None, ["ann@big.test"]),
    ("nickname", "contains", "BB", None, ["bob@small.test"]),
    ("nickname", "not_equals", "Annie", None, ["bob@small.test", "cy@none.test"]),
    ("partner", "is_yes", None, None, ["ann@big.test"]),
    ("partner", "is_no", None, None, ["bob@small.test", "cy@none.test"]),
    ("tier", "one_of", "gold, bronze", None, ["ann@big.test"]),
    ("tools", "any_of", ["Excel", "Odoo"], None, ["ann@big.test", "bob@small.test"]),
    ("tools", "any_of", "sap", None, ["ann@big.test"]),
    ("tools", "is_empty", None, None, ["cy@none.test"]),
]


@pytest.mark.parametrize(
    ("name", "op", "value", "value_to", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES],
)
def test_contact_filters_by_kind(people, name, op, value, value_to, expected):
    # given three contacts with typed values (one with none)
    # when filtering on the field
    # then exactly the matching contacts come back, numbers compared as numbers
    assert emails(getattr(people, name), op, value, value_to) == expected


def test_account_field_filters_contacts_through_their_account(people):
    assert emails(people.employees, "gte", "1000", prefix="account__") == ["ann@big.test"]
    assert emails(people.segment_code, "one_of", "smb", prefix="account__") == ["bob@small.test"]


def test_a_bad_filter_names_the_part_and_the_field(people):
    with pytest.raises(ValueError) as bad_value:
        custom_filter_clean(people.plants, "gte", "lots")
    assert bad_value.value.args == ("value", "Plants: 'lots' is not a number")
    with pytest.raises(ValueError) as bad_op:
        custom_filter_clean(people.tier, "contains", "x")
    assert bad_op.value.args[0] == "op"
    with pytest.raises(ValueError) as backwards:
        custom_filter_clean(people.plants, "between", "10", "2")
    assert backwards.value.args == ("value_to", "Plants: the end comes before the start")


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("name", "op", "value"),
    [("plants", "gte", "10"), ("nickname", "equals", "Annie"), ("renewal", "lte", "2027-01-01"),
     ("budget", "between", "10"), ("tier", "one_of", "Gold")],
)  # fmt: skip
def test_the_filter_uses_the_fields_expression_index(people, name, op, value):
    # given a field with its expression index
    field = getattr(people, name)
    assert custom_field_index_ensure(field) is True
    assert custom_field_index_ensure(field) is False  # once
    spec = custom_filter_clean(field, op, value, "20000" if op == "between" else None)
    # when the database plans the filter
    plan = _plan(Contact.objects.filter(spec.q()).order_by().values("id"))
    # then it reads the index
    assert f"custom_field_{field.pk}" in plan
    custom_field_index_drop(field)
