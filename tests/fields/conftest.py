"""Custom fields every test here can use: a few of each kind on contacts, accounts and deals."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tandem.access import services as access
from tandem.fields.models import CustomField
from tandem.fields.services import custom_field_define
from tests.api.conftest import Api


@dataclass
class Defined:
    plants: CustomField  # contact, number
    budget: CustomField  # contact, money
    renewal: CustomField  # contact, date
    nickname: CustomField  # contact, text
    partner: CustomField  # contact, yes/no
    tier: CustomField  # contact, one choice
    tools: CustomField  # contact, several choices
    employees: CustomField  # account, number
    segment_code: CustomField  # account, one choice
    region_code: CustomField  # deal, text


@pytest.fixture
def defined(db) -> Defined:
    def define(entity, label, kind, **extra):
        return custom_field_define(entity=entity, label=label, kind=kind, **extra)

    return Defined(
        plants=define("contact", "Plants", "number"),
        budget=define("contact", "Budget", "money"),
        renewal=define("contact", "Renewal on", "date"),
        nickname=define("contact", "Nickname", "text"),
        partner=define("contact", "Is partner", "yes_no"),
        tier=define("contact", "Tier", "choice", choices=["Gold", "Silver", "Bronze"]),
        tools=define("contact", "Tools", "choices", choices=["SAP", "Excel", "Odoo"]),
        employees=define("account", "Employees", "number"),
        segment_code=define("account", "Segment code", "choice", choices=["SMB", "ENT"]),
        region_code=define("deal", "Region code", "text"),
    )


@pytest.fixture
def api(cast):
    """``api("sales_rep")`` — a JSON client acting as that member of the cast."""
    made: dict[str, Api] = {}

    def _for(role: str) -> Api:
        if role not in made:
            _, raw = access.token_issue(user=cast.by_role(role), name=f"{role} script")
            made[role] = Api(raw)
        return made[role]

    return _for
