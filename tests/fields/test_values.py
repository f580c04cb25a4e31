"""The one gate of custom values: each kind typed as the record keeps it, errors naming the
field; numbers read back whatever way a spreadsheet writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.fields.models import CustomField
from tandem.fields.values import number_parse, value_clean, value_display

CENTS = st.decimals(min_value=Decimal("-999999999.99"), max_value=Decimal("999999999.99"),
                    places=2, allow_nan=False, allow_infinity=False)  # fmt: skip


def _grouped(number: Decimal, thousands: str, decimal_mark: str) -> str:
    sign = "-" if number < 0 else ""
    whole, _, cents = f"{abs(number):.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", thousands)
    return f"{sign}{groups}{decimal_mark}{cents}"


@given(CENTS)
def test_number_parse_reads_every_spreadsheet_spelling(number):
    # given a number written with cents, the English, German, French and Swiss ways
    for thousands, mark in ((",", "."), (".", ","), (" ", ","), ("'", ".")):
        # then it reads back as the same number
        assert number_parse(_grouped(number, thousands, mark)) == number


@given(CENTS)
def test_money_round_trips_through_the_display(number):
    field = CustomField(key="budget", label="Budget", kind="money")
    kept = value_clean(field, str(number))
    assert Decimal(kept) == number
    assert value_clean(field, value_display(field, kept)) == kept


@pytest.mark.parametrize(
    ("kind", "sent", "kept"),
    [
        ("text", "  Annie ", "Annie"),
        ("number", "1 234,5", 1234.5),
        ("number", 7, 7),
        ("money", "€ 1.200,00", "1200.00"),
        ("date", "15/01/2027", "2027-01-15"),
        ("date", "2027-03-01 10:00", "2027-03-01"),
        ("yes_no", "Ja", True),
        ("yes_no", "no", False),
        ("choice", "gold", "Gold"),
        ("choices", "gold; silver", ["Gold", "Silver"]),
        ("choices", ["silver", "Silver"], ["Silver"]),
        ("number", " ", None),
    ],
)
def test_each_kind_is_kept_typed(kind, sent, kept):
    field = CustomField(key="f", label="F", kind=kind, choices=["Gold", "Silver"])
    assert value_clean(field, sent) == kept


@pytest.mark.parametrize(
    ("kind", "sent", "message"),
    [
        ("number", "twelve", "Plants: 'twelve' is not a number"),
        ("number", True, "Plants: True is not a number"),
        ("date", "31/02/2027", "Plants: '31/02/2027' is not a date (use YYYY-MM-DD)"),
        ("yes_no", "perhaps", "Plants: 'perhaps' is not yes or no"),
        ("choice", "Bronze", "Plants: 'Bronze' is not one of Gold, Silver"),
        ("text", "x" * 2001, "Plants: is longer than 2,000 characters"),
    ],
)
def test_a_refused_value_names_the_field(kind, sent, message):
    field = CustomField(key="plants", label="Plants", kind=kind, choices=["Gold", "Silver"])
    with pytest.raises(ValueError) as refused:
        value_clean(field, sent)
    assert str(refused.value) == message
