"""Contacts imported from a HubSpot export: created, updated, deduplicated, linked."""

from __future__ import annotations

from tandem.people.models import Contact, LifecycleMove
from tests.factories import ContactFactory

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Job Title,Lifecycle Stage,Contact owner,"
    "Associated Company,Company Domain Name\r\n"
    "101,Ada,Lovelace,ADA@Engines.test ,+44 1,CTO,marketingqualifiedlead,sue@tandem.test,"
    "Engines Ltd,engines.test\r\n"
    "102,Bob,Babbage,bob@engines.test,,,lead,,,\r\n"
)


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
    assert (job.status, job.created, job.updated, job.failed) == ("done", 2, 0, 0)
    ada = Contact.objects.get(email="ada@engines.test")
    assert (ada.first_name, ada.title, ada.lifecycle_stage, ada.owner) == (
        "Ada",
        "CTO",
        "mql",
        cast.sales_manager,
    )
    assert ada.external_id == "101"
    assert ada.account.name == "Engines Ltd"
    assert Contact.objects.get(email="bob@engines.test").account == ada.account
    assert list(
        LifecycleMove.objects.filter(contact=ada).values_list("from_stage", "to_stage")
    ) == [("", "mql")]


def test_existing_contacts_are_updated_and_blanks_keep_what_is_known(cast, upload, run_import):
    # given a contact Tandem knows with a phone
    ContactFactory(email="bob@engines.test", first_name="Robert", phone="555", account=None)
    # when the file has a new first name and a blank phone
    job = run_import(upload(HUBSPOT))
    # then the name changed, the phone stayed
    bob = Contact.objects.get(email="bob@engines.test")
    assert (bob.first_name, bob.phone) == ("Bob", "555")
    assert (job.created, job.updated) == (1, 1)
