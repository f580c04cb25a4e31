"""Companies and deals from HubSpot and Salesforce: matched, linked, staged, owned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tandem.imports.presets import salesforce_id_18
from tandem.people.models import Account
from tandem.sales.models import Deal, DealStageMove
from tests.factories import AccountFactory


def test_a_15_character_salesforce_id_gets_its_checksum():
    assert salesforce_id_18("001D000000IqhSL") == "001D000000IqhSLIAZ"
    assert salesforce_id_18("001D000000IqhSLIAZ") == "001D000000IqhSLIAZ"
    assert salesforce_id_18("123456789012345") == "123456789012345"  # HubSpot's are numbers


def test_hubspot_companies_in_utf16_are_created_and_matched_by_domain(
    named, upload, run_import, fixture_file
):
    # given an account Tandem knows by its domain
    known = AccountFactory(name="Brauerei (old)", domain="brauerei.test", industry="")
    # when the UTF-16 companies export is imported
    job = upload(fixture_file("hubspot-companies-utf16.txt"), "companies.txt", "accounts")
    job = run_import(job)
    # then the known one is updated, the others created
    assert (job.created, job.updated, job.failed) == (2, 1, 0)
    known.refresh_from_db()
    assert (known.name, known.industry, known.external_id, known.owner, known.region) == (
        "Brauerei Süd GmbH",
        "Food & Beverage",
        "9001",
        named.sales_manager,
        "Deutschland",
    )
    assert sorted(Account.objects.values_list("name", "domain")) == [
        ("Brauerei Süd GmbH", "brauerei.test"),
        ("NoDomain Co", ""),
        ("Åkerlund AB", "akerlund.test"),
    ]


def test_hubspot_deals_with_decimal_commas_and_day_first_dates(
    named, upload, run_import, fixture_file
):
    # given the companies imported first
    run_import(upload(fixture_file("hubspot-companies-utf16.txt"), "c.txt", "accounts"))
    # when the deals export (semicolons, "12.500,50", 31/01/2025) is imported
    job = upload(fixture_file("hubspot-deals-semicolon.csv"), "deals.csv", "deals")
    assert job.date_order == "day_first"
    job = run_import(job)
    # then each deal has its stage, amount, close date, owner and company
    assert (job.created, job.failed) == (3, 0)
    retrofit = Deal.objects.get(external_id="7001")
    assert (retrofit.stage.name, retrofit.amount, retrofit.expected_close_on) == (
        "Discovery",
        Decimal("12500.50"),
        dt.date(2025, 1, 31),
    )
    assert (retrofit.owner, retrofit.account.name, retrofit.still_open) == (
        named.sales_manager,
        "Brauerei Süd GmbH",
        True,
    )
    bottling = Deal.objects.get(external_id="7002")
    assert (bottling.stage.name, bottling.amount, bottling.owner, bottling.still_open) == (
        "Won",
        Decimal("1200.00"),
        named.sales_rep,
        False,
    )
    assert bottling.closed_at == dt.datetime(2025, 2, 5, 12, tzinfo=dt.UTC)
    assert bottling.account.external_id == "9002"
    # the odd row went in with what could be read, its problems said
    odd = Deal.objects.get(external_id="7003")
    assert (odd.stage.name, odd.amount, odd.owner, odd.expected_close_on) == (
        "Discovery",
        Decimal("0.00"),
        named.admin,
        None,
    )
    assert [(p.line, p.column, p.value, p.reason) for p in job.problems.all()] == [
        (
            4,
            "Deal Stage",
            "somethingodd",
            "unknown deal stage 'somethingodd': map it to a pipeline stage",
        ),
        (4, "Amount", "abc", "'abc' is not a number"),
        (4, "Close Date", "13/13/2025", "'13/13/2025' is not a date (use YYYY-MM-DD)"),
    ]
    assert DealStageMove.objects.filter(deal=retrofit).count() == 1


def test_salesforce_opportunities_find_their_account_by_the_15_character_id(
    named, upload, run_import, fixture_file
):
    # given the account, known by its 18-character id (as the API gives it)
    acme = AccountFactory(name="Acme Corp", external_id="001D000000IqhSLIAZ")
    job = upload(fixture_file("salesforce-opportunities.csv"), "opps.csv", "deals")
    assert job.date_order == "month_first"
    job = run_import(job)
    assert (job.created, job.failed, job.problems.count()) == (2, 0, 0)
    renewal = Deal.objects.get(name="Acme renewal")
    assert (renewal.account, renewal.stage.name, renewal.amount, renewal.expected_close_on) == (
        acme,
        "Proposal",
        Decimal("25000.00"),
        dt.date(2025, 3, 31),
    )
    assert renewal.external_id == salesforce_id_18("006D000000AbCdE")
    assert Deal.objects.get(name="Acme expansion").stage.name == "Won"
    assert Account.objects.count() == 1


def test_a_second_import_of_the_same_deals_updates_them(named, upload, run_import, fixture_file):
    run_import(upload(fixture_file("salesforce-opportunities.csv"), "opps.csv", "deals"))
    again = run_import(upload(fixture_file("salesforce-opportunities.csv"), "opps.csv", "deals"))
    assert (again.created, again.updated, again.skipped) == (0, 0, 2)
    assert Deal.objects.count() == 2
