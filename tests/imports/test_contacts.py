"""Contacts imported from HubSpot and Salesforce files: created, updated, deduplicated,
linked to accounts, with stages, owners, consent, custom fields; every bad value reported."""

from __future__ import annotations

from tandem.fields.models import CustomField
from tandem.imports import services
from tandem.people.models import Account, Consent, Contact, LifecycleMove
from tests.factories import AccountFactory, ContactFactory

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Job Title,Lifecycle Stage,Contact owner,"
    "Associated Company,Company Domain Name\r\n"
    "101,Ada,Lovelace,ADA@Engines.test ,+44 1,CTO,marketingqualifiedlead,sue@tandem.test,"
    "Engines Ltd,engines.test\r\n"
    "102,Bob,Babbage,bob@engines.test,,,lead,,,\r\n"
)


def _problems(job):
    return [(p.line, p.column, p.value, p.reason, p.is_row_skipped) for p in job.problems.all()]


def test_a_hubspot_export_creates_contacts_with_their_accounts_stages_and_owners(
    cast, upload, run_import
):
    # given a HubSpot contacts export
    job = upload(HUBSPOT, "hubspot-contacts.csv")
    assert job.preset == "hubspot_contacts"
    assert job.mapping["Email"] == "email"
    # when it is imported
    job = run_import(job)
    # then both contacts exist, on the account the file names, with stage and owner
    assert (job.status, job.created, job.updated, job.failed, job.rows_done) == ("done", 2, 0, 0, 2)
    ada = Contact.objects.get(email="ada@engines.test")
    assert (ada.first_name, ada.title, ada.lifecycle_stage, ada.owner) == (
        "Ada",
        "CTO",
        "mql",
        cast.sales_manager,
    )
    assert ada.external_id == "101"
    assert (ada.account.name, ada.account.domain) == ("Engines Ltd", "engines.test")
    # Bob's company is known by his email's domain
    assert Contact.objects.get(email="bob@engines.test").account == ada.account
    assert list(
        LifecycleMove.objects.filter(contact=ada).values_list("from_stage", "to_stage", "reason")
    ) == [("", "mql", "imported from hubspot-contacts.csv")]


def test_the_real_hubspot_file_goes_in_with_every_problem_reported(
    named, upload, run_import, fixture_file
):
    # given the UTF-8-BOM HubSpot export, and its "Plants" column made a number field
    job = upload(fixture_file("hubspot-contacts-utf8-bom.csv"), "hubspot.csv")
    mapping = {**job.mapping, "Plants": "new_custom:number"}
    # when it is imported
    job = run_import(job, mapping=mapping)
    # then the good rows are in, the bad ones reported with line, column, value and reason
    assert (job.created, job.updated, job.skipped, job.failed) == (4, 0, 0, 2)
    zoe = Contact.objects.get(email="zoe.mueller@brauerei.test")
    assert (zoe.first_name, zoe.lifecycle_stage, zoe.owner) == ("Zoë", "mql", named.sales_manager)
    assert zoe.custom == {"plants": 1234}
    assert CustomField.objects.get(key="plants").label == "Plants"
    jose = Contact.objects.get(email="jose@brauerei.test")
    assert (jose.title, jose.owner, jose.account.name) == (
        "Head of\r\nOperations",
        named.sales_rep,
        "Brauerei Süd",
    )
    # formula-looking cells are kept as the text they are, never evaluated
    eve = Contact.objects.get(email="eve@formula.test")
    assert (eve.phone, eve.title) == ("=1+2", '=HYPERLINK("http://x.test")')
    assert _problems(job) == [
        (6, "Email", "not-an-email", "'not-an-email' is not a valid email address", False),
        (6, "", "", "a new contact needs an email address", True),
        (
            7,
            "",
            "zoe.mueller@brauerei.test",
            "same contact as line 2 of this file (zoe.mueller@brauerei.test): one contact was "
            "imported, from the first line; this row was skipped",
            True,
        ),
        (
            8,
            "Contact owner",
            "nobody@nowhere.test",
            "no Tandem user has the email or name 'nobody@nowhere.test'",
            False,
        ),
    ]
    una = Contact.objects.get(email="una@mystery.test")
    assert (una.lifecycle_stage, una.owner, una.custom) == ("advocate", None, {"plants": 7})


def test_salesforce_leads_in_windows_1252_map_their_status_and_owner_by_name(
    named, upload, run_import, fixture_file
):
    job = run_import(upload(fixture_file("salesforce-leads-cp1252.csv"), "leads.csv"))
    assert (job.created, job.failed) == (2, 0)
    renee = Contact.objects.get(email="renee@cafe-creme.test")
    assert (renee.first_name, renee.title, renee.owner, renee.lifecycle_stage) == (
        "Renée",
        "Directrice",
        named.sales_manager,
        "lead",
    )
    # the 15-character Salesforce id is kept as its 18-character form
    assert renee.external_id == "00Q5e00000AbCdEEAV"
    assert renee.account.name == "Café Crème SARL"
    assert Account.objects.filter(name="Café Crème SARL").count() == 1


def test_existing_contacts_are_updated_and_blanks_keep_what_is_known(cast, upload, run_import):
    ContactFactory(email="bob@engines.test", first_name="Robert", phone="555", account=None)
    job = run_import(upload(HUBSPOT))
    bob = Contact.objects.get(email="bob@engines.test")
    assert (bob.first_name, bob.phone) == ("Bob", "555")
    assert (job.created, job.updated) == (1, 1)


def test_blanks_overwrite_when_asked(cast, upload, run_import):
    ContactFactory(email="bob@engines.test", first_name="Robert", phone="555", account=None)
    run_import(upload(HUBSPOT), blanks_overwrite=True)
    assert Contact.objects.get(email="bob@engines.test").phone == ""


def test_create_only_skips_known_contacts_and_update_only_skips_new_ones(cast, upload, run_import):
    ContactFactory(email="bob@engines.test", first_name="Robert", account=None)
    created = run_import(upload(HUBSPOT), mode="create_only")
    assert (created.created, created.updated, created.skipped) == (1, 0, 1)
    assert Contact.objects.get(email="bob@engines.test").first_name == "Robert"
    Contact.objects.filter(email="ada@engines.test").delete()
    updated = run_import(upload(HUBSPOT), mode="update_only")
    assert (updated.created, updated.updated, updated.skipped) == (0, 1, 1)
    assert not Contact.objects.filter(email="ada@engines.test").exists()


def test_a_contact_is_found_by_external_id_when_the_email_is_new(cast, upload, run_import):
    ContactFactory(email="old@engines.test", external_id="101", account=None)
    job = run_import(upload(HUBSPOT))
    assert (job.created, job.updated) == (1, 1)
    assert Contact.objects.get(external_id="101").first_name == "Ada"


def test_an_account_is_matched_by_domain_before_it_is_created(cast, upload, run_import):
    known = AccountFactory(name="Engines (old name)", domain="engines.test")
    run_import(upload(HUBSPOT))
    assert Contact.objects.get(email="ada@engines.test").account == known
    assert Account.objects.count() == 1


def test_consent_from_the_file_is_recorded_with_the_source_import(cast, upload, run_import):
    text = "Email,Marketing emails\r\nkim@x.test,opted in\r\nlou@x.test,Opted out\r\n"
    job = upload(text)
    run_import(job, mapping={"Email": "email", "Marketing emails": "consent.email"})
    assert sorted(Consent.objects.values_list("contact__email", "is_granted", "source")) == [
        ("kim@x.test", True, "import"),
        ("lou@x.test", False, "import"),
    ]


def test_a_stage_the_lifecycle_forbids_is_left_and_said(cast, upload, run_import):
    # given a customer; the file says they are a lead (customers stay customers)
    ContactFactory(email="bob@engines.test", lifecycle_stage="customer", account=None)
    job = run_import(upload(HUBSPOT))
    assert Contact.objects.get(email="bob@engines.test").lifecycle_stage == "customer"
    assert [p.reason for p in job.problems.all()] == [
        "stage not changed: rule 'forward only': cannot move back from customer to lead; "
        "recycle or disqualify with a reason instead"
    ]


def test_values_to_map_lists_each_value_with_a_suggestion(named, upload, fixture_file):
    job = upload(fixture_file("hubspot-contacts-utf8-bom.csv"), "hubspot.csv")
    values = services.import_values_to_map(job=job)
    assert values["lifecycle_stage"] == [
        ("lead", "lead", 3),
        ("Marketing Qualified Lead", "mql", 1),
        ("customer", "customer", 1),
        ("evangelist", "advocate", 1),
    ]
    assert values["owner"] == [
        ("sue@tandem.test", str(named.sales_manager.pk), 1),
        ("Sam Sales", str(named.sales_rep.pk), 1),
        ("nobody@nowhere.test", "", 1),
    ]


def test_an_address_merged_away_updates_the_contact_it_was_merged_into(cast, upload, run_import):
    # given Ada twice, merged: her old address is kept as an alias of the kept contact
    from tandem.people.merge import contact_merge

    kept = ContactFactory(email="ada@engines.test", first_name="Ada", title="")
    merged = ContactFactory(email="ada.old@engines.test", first_name="Ada")
    contact_merge(user=cast.admin, kept=kept, merged=merged)
    # when last year's export, with her old address, is imported again
    job = upload(
        "Record ID,First Name,Email,Job Title\r\n7,Ada,ada.old@engines.test,CTO\r\n",
        "old-export.csv",
    )
    job = run_import(job)
    # then the kept contact is updated and the duplicate does not come back
    assert (job.created, job.updated) == (0, 1)
    kept.refresh_from_db()
    assert (kept.email, kept.title) == ("ada@engines.test", "CTO")
    assert not Contact.objects.filter(email="ada.old@engines.test").exists()
