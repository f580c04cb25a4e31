"""A page's form fields read through the API's pydantic schema, with errors people can read."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

import pytest
from django.http import QueryDict
from pydantic import BaseModel, Field

from tandem.core.typed_input import COMMA_SEPARATED, VERBATIM, TextAsSent, typed_input
from tandem.errors import InvalidInput


class DealForm(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    amount: Decimal = Decimal("0")
    expected_close_on: dt.date | None = Field(None, title="Expected close")
    contact_id: int | None = None
    segments: list[int] = Field(default_factory=list)
    is_key: bool = False


def _form(text: str) -> QueryDict:
    return QueryDict(text)


def test_a_good_form_becomes_the_schema_with_types():
    got = typed_input(
        DealForm,
        _form(
            "name=+Acme+&amount=12.50&expected_close_on=2026-05-01&segments=3&segments=4&is_key=1"
        ),
    )

    assert got == DealForm(
        name="Acme",
        amount=Decimal("12.50"),
        expected_close_on=dt.date(2026, 5, 1),
        segments=[3, 4],
        is_key=True,
    )


def test_blank_optional_fields_and_unticked_boxes_take_their_defaults():
    got = typed_input(DealForm, _form("name=Acme&amount=&expected_close_on=&contact_id="))

    assert (got.amount, got.expected_close_on, got.contact_id, got.segments, got.is_key) == (
        Decimal("0"),
        None,
        None,
        [],
        False,
    )


def test_errors_name_each_field_as_the_form_labels_it():
    with pytest.raises(InvalidInput) as caught:
        typed_input(
            DealForm,
            _form("name=&amount=lots&expected_close_on=soon&contact_id=x&segments=a"),
            labels={"contact_id": "Contact"},
        )

    assert caught.value.errors == {
        "name": "Name is required",
        "amount": "Amount must be a number",
        "expected_close_on": "Expected close must be a date (YYYY-MM-DD)",
        "contact_id": "Contact must be a whole number",
        "segments": "Segments must be a whole number",
    }


def test_too_long_text_says_the_limit():
    with pytest.raises(InvalidInput) as caught:
        typed_input(DealForm, {"name": "x" * 21})

    assert caught.value.errors == {"name": "Name must be at most 20 characters"}


class NotesForm(BaseModel):
    private_notes: str | None = None


def test_blank_text_stays_blank_so_a_form_can_clear_it():
    assert typed_input(NotesForm, _form("private_notes=")).private_notes == ""
    assert typed_input(NotesForm, _form("")).private_notes is None


class LineForm(BaseModel):
    product_id: int


def test_a_form_may_name_an_input_apart_from_the_schema_and_errors_follow_its_name():
    line = typed_input(LineForm, _form("product=7"), names={"product_id": "product"})

    assert line.product_id == 7

    with pytest.raises(InvalidInput) as caught:
        typed_input(LineForm, _form("product="), names={"product_id": "product"})

    assert caught.value.errors == {"product": "Product id is required"}


def test_a_verbatim_text_keeps_its_spaces_where_others_are_trimmed():
    class Template(BaseModel):
        name: str = ""
        body: Annotated[str, VERBATIM] = ""

    got = typed_input(Template, _form("name=+Hi+&body=+Hello%0A"))

    assert (got.name, got.body) == ("Hi", " Hello\n")


def test_a_comma_separated_list_is_split_and_a_field_may_have_its_own_message():
    class Rule(BaseModel):
        team_id: int
        values: Annotated[list[str], COMMA_SEPARATED] = []

    got = typed_input(Rule, _form("team=3&values=EMEA,+Nordics,"), names={"team_id": "team"})
    with pytest.raises(InvalidInput) as caught:
        typed_input(Rule, _form("team="), names={"team_id": "team"}, messages={"team_id": "pick"})

    assert got == Rule(team_id=3, values=["EMEA", "Nordics"])
    assert caught.value.errors == {"team": "pick"}


class _Wording(TextAsSent):
    headline: str = ""
    thank_you: str = ""


def test_a_form_kept_as_sent_keeps_every_text_with_its_spaces():
    form = typed_input(_Wording, {"headline": "  Hello ", "thank_you": "Thanks!\n"})

    assert (form.headline, form.thank_you) == ("  Hello ", "Thanks!\n")
