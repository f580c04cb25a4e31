"""Conditions on the contact's own text fields and on their account's."""

from __future__ import annotations

from tandem.people.hooks import INPUT_ACCOUNT, INPUT_CONTACT
from tandem.people.models import Account, Contact, SizeBand
from tandem.segments.conditions.base import Param, condition
from tandem.segments.conditions.text import (
    TEXT_OPS,
    VALUELESS_OPS,
    TextField,
    text_lookups_register,
)


@condition
class ContactField(TextField):
    type = "contact_field"
    label = "Contact field"
    field_choices = [
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("email", "Email"),
        ("title", "Job title"),
        ("phone", "Phone"),
    ]
    params = [
        Param("field", "Field", "choice", field_choices),
        Param("op", "Operator", "choice", TEXT_OPS),
        Param("value", "Value", "text", required=False, hide_when={"op": sorted(VALUELESS_OPS)}),
    ]


text_lookups_register(Contact, [name for name, _ in ContactField.field_choices])


@condition
class AccountField(TextField):
    type = "account_field"
    label = "Account field"
    group = "Account"
    prefix = "account__"
    # A contact moving to another account is a change of the contact's own row.
    reads = frozenset({INPUT_ACCOUNT, INPUT_CONTACT})
    # A contact without an account has every account field empty.
    nullable = True
    field_choices = [
        ("name", "Account name"),
        ("domain", "Domain"),
        ("industry", "Industry"),
        ("size_band", "Size band"),
        ("region", "Region"),
    ]
    params = [
        Param("field", "Field", "choice", field_choices),
        Param("op", "Operator", "choice", TEXT_OPS),
        Param(
            "value",
            "Value",
            "text",
            required=False,
            hint=f"size bands: {', '.join(SizeBand.values)}",
            hide_when={"op": sorted(VALUELESS_OPS)},
        ),
    ]


text_lookups_register(Account, [name for name, _ in AccountField.field_choices])
