"""A HubSpot contacts export as the doors' tests upload it: three good rows and a bad one."""

from __future__ import annotations

from pathlib import Path

# HubSpot's contact export: property labels as headers, lifecycle stages by internal name, the
# owner by email, UTF-8 with a BOM as HubSpot writes it. Line 4's email is not an address.
HUBSPOT_CONTACTS = (
    "\ufeffRecord ID,First Name,Last Name,Email,Job Title,Lifecycle Stage,Contact owner,"
    "Company name,Company Domain Name\r\n"
    "5101,Ann,Archer,ann@acme.test,VP Operations,marketingqualifiedlead,sam@tandem.test,"
    "Acme,acme.test\r\n"
    "5102,Bob,Baker,bob@bolt.test,Buyer,lead,,Bolt,bolt.test\r\n"
    "5103,Cy,Cole,not-an-email,Engineer,customer,,Cole & Co,cole.test\r\n"
    '5104,Dee,Dunn,dee@acme.test,"Head of Plants, EMEA",lead,sam@tandem.test,Acme,acme.test\r\n'
)


def hubspot_contacts(folder: Path) -> Path:
    """The export written to ``folder`` as ``hubspot-contacts.csv``."""
    path = folder / "hubspot-contacts.csv"
    path.write_bytes(HUBSPOT_CONTACTS.encode("utf-8"))
    return path
