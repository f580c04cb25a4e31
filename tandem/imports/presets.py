"""The fields an import can fill, and the built-in presets for HubSpot's and Salesforce's files.

Column names as the two systems write them in their exports, checked against their public
documentation:

- HubSpot exports (Contacts/Companies/Deals → Export, "all properties" or the view's columns):
  column headers are the property labels — "Record ID", "First Name", "Last Name", "Email",
  "Phone Number", "Job Title", "Lifecycle Stage", "Contact owner", "Associated Company",
  "Company Domain Name", "Company name", "Deal Name", "Deal Stage", "Amount", "Close Date",
  "Deal owner", "Associated Company IDs". Lifecycle stage values are written by their internal
  names (subscriber, lead, marketingqualifiedlead, salesqualifiedlead, opportunity, customer,
  evangelist, other) or their labels ("Marketing Qualified Lead"); deal stages of the default
  pipeline as appointmentscheduled, qualifiedtobuy, presentationscheduled,
  decisionmakerboughtin, contractsent, closedwon, closedlost.
  Sources: https://knowledge.hubspot.com/articles/kcs_article/contacts/how-do-i-import-contacts
  (the "Contact owner" and "Lifecycle stage" columns and their values),
  https://knowledge.hubspot.com/import-and-export/export-records,
  https://developers.hubspot.com/docs/api/crm/pipelines (the default deal stage ids).
- Salesforce reports exported as "Details only" CSV: headers are the field labels — "Lead ID",
  "Contact ID", "Account ID", "Opportunity ID" (15-character ids in reports, 18 through the
  API: both are normalised to 18 so they match), "First Name", "Last Name", "Email", "Title",
  "Company / Account", "Account Name", "Website", "Stage", "Amount", "Close Date",
  "Opportunity Owner", "Lead Owner", "Account Owner", "Lead Status"; under the rows Salesforce
  writes a blank line and a copyright notice, which the reader drops.
  Sources: https://developer.salesforce.com/docs/atlas.en-us.sfFieldRef.meta/sfFieldRef/
  salesforce_field_reference_Opportunity.htm (labels: Opportunity ID, Close Date, Stage,
  Amount), …_Lead.htm, …_Account.htm; the default StageName values (Prospecting,
  Qualification, Needs Analysis, Value Proposition, Id. Decision Makers, Perception Analysis,
  Proposal/Price Quote, Negotiation/Review, Closed Won, Closed Lost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tandem.imports.models import ObjectType

# Targets each kind of import can fill: the Tandem field and how the wizard names it.
TARGETS: dict[str, dict[str, str]] = {
    ObjectType.CONTACTS: {
        "email": "Email",
        "first_name": "First name",
        "last_name": "Last name",
        "phone": "Phone",
        "title": "Job title",
        "lifecycle_stage": "Lifecycle stage",
        "owner": "Owner (email or name)",
        "external_id": "ID in the old system",
        "account.name": "Company name",
        "account.domain": "Company domain",
        "account.external_id": "Company ID in the old system",
        "consent.email": "Email consent (opted in / out)",
    },
    ObjectType.ACCOUNTS: {
        "name": "Name",
        "domain": "Domain",
        "industry": "Industry",
        "size_band": "Size band",
        "region": "Region",
        "owner": "Owner (email or name)",
        "external_id": "ID in the old system",
    },
    ObjectType.DEALS: {
        "name": "Deal name",
        "stage": "Stage",
        "amount": "Amount",
        "close_date": "Close date",
        "owner": "Owner (email or name)",
        "external_id": "ID in the old system",
        "account.external_id": "Company ID in the old system",
        "account.name": "Company name",
        "account.domain": "Company domain",
        "contact.email": "Contact email",
        "contact.external_id": "Contact ID in the old system",
    },
}
# Targets whose values are mapped through ``value_maps`` (the small table the user confirms).
MAPPED_TARGETS = frozenset({"lifecycle_stage", "stage", "owner"})
CUSTOM_PREFIX, NEW_CUSTOM_PREFIX = "custom:", "new_custom:"

HUBSPOT_LIFECYCLE = {
    "subscriber": "subscriber",
    "lead": "lead",
    "marketingqualifiedlead": "mql",
    "marketing qualified lead": "mql",
    "salesqualifiedlead": "sql",
    "sales qualified lead": "sql",
    "opportunity": "opportunity",
    "customer": "customer",
    "evangelist": "advocate",
    "other": "",
}
HUBSPOT_DEAL_STAGES = {
    "appointmentscheduled": "Discovery",
    "appointment scheduled": "Discovery",
    "qualifiedtobuy": "Discovery",
    "qualified to buy": "Discovery",
    "presentationscheduled": "Proposal",
    "presentation scheduled": "Proposal",
    "decisionmakerboughtin": "Proposal",
    "decision maker bought-in": "Proposal",
    "contractsent": "Negotiation",
    "contract sent": "Negotiation",
    "closedwon": "Won",
    "closed won": "Won",
    "closedlost": "Lost",
    "closed lost": "Lost",
}
SALESFORCE_STAGES = {
    "prospecting": "Discovery",
    "qualification": "Discovery",
    "needs analysis": "Discovery",
    "value proposition": "Proposal",
    "id. decision makers": "Proposal",
    "perception analysis": "Proposal",
    "proposal/price quote": "Proposal",
    "negotiation/review": "Negotiation",
    "closed won": "Won",
    "closed lost": "Lost",
}
SALESFORCE_LEAD_STATUS = {
    "open - not contacted": "lead",
    "working - contacted": "lead",
    "closed - converted": "sql",
    "closed - not converted": "disqualified",
}


@dataclass(frozen=True)
class Preset:
    """A known file layout: its columns (lower-cased header → target) and value maps."""

    key: str
    label: str
    object_type: str
    columns: dict[str, str]
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    salesforce_ids: bool = False


PRESETS: tuple[Preset, ...] = (
    Preset(
        "hubspot_contacts",
        "HubSpot contacts export",
        ObjectType.CONTACTS,
        {
            "record id": "external_id",
            "first name": "first_name",
            "last name": "last_name",
            "email": "email",
            "phone number": "phone",
            "job title": "title",
            "lifecycle stage": "lifecycle_stage",
            "contact owner": "owner",
            "associated company": "account.name",
            "company name": "account.name",
            "company domain name": "account.domain",
            "associated company ids": "account.external_id",
            "associated company id": "account.external_id",
        },
        {"lifecycle_stage": HUBSPOT_LIFECYCLE},
    ),
    Preset(
        "hubspot_companies",
        "HubSpot companies export",
        ObjectType.ACCOUNTS,
        {
            "record id": "external_id",
            "company name": "name",
            "name": "name",
            "company domain name": "domain",
            "industry": "industry",
            "company owner": "owner",
            "country/region": "region",
        },
    ),
    Preset(
        "hubspot_deals",
        "HubSpot deals export",
        ObjectType.DEALS,
        {
            "record id": "external_id",
            "deal name": "name",
            "deal stage": "stage",
            "amount": "amount",
            "close date": "close_date",
            "deal owner": "owner",
            "associated company ids": "account.external_id",
            "associated company id": "account.external_id",
            "associated company": "account.name",
            "associated contact ids": "contact.external_id",
            "associated contact id": "contact.external_id",
        },
        {"stage": HUBSPOT_DEAL_STAGES},
    ),
    Preset(
        "salesforce_leads",
        "Salesforce leads report",
        ObjectType.CONTACTS,
        {
            "lead id": "external_id",
            "first name": "first_name",
            "last name": "last_name",
            "email": "email",
            "phone": "phone",
            "title": "title",
            "company / account": "account.name",
            "company": "account.name",
            "website": "account.domain",
            "lead owner": "owner",
            "lead status": "lifecycle_stage",
        },
        {"lifecycle_stage": SALESFORCE_LEAD_STATUS},
        salesforce_ids=True,
    ),
    Preset(
        "salesforce_contacts",
        "Salesforce contacts report",
        ObjectType.CONTACTS,
        {
            "contact id": "external_id",
            "first name": "first_name",
            "last name": "last_name",
            "email": "email",
            "phone": "phone",
            "title": "title",
            "account name": "account.name",
            "account id": "account.external_id",
            "contact owner": "owner",
        },
        salesforce_ids=True,
    ),
    Preset(
        "salesforce_accounts",
        "Salesforce accounts report",
        ObjectType.ACCOUNTS,
        {
            "account id": "external_id",
            "account name": "name",
            "website": "domain",
            "industry": "industry",
            "billing country": "region",
            "account owner": "owner",
        },
        salesforce_ids=True,
    ),
    Preset(
        "salesforce_opportunities",
        "Salesforce opportunities report",
        ObjectType.DEALS,
        {
            "opportunity id": "external_id",
            "opportunity name": "name",
            "account name": "account.name",
            "account id": "account.external_id",
            "stage": "stage",
            "amount": "amount",
            "close date": "close_date",
            "opportunity owner": "owner",
        },
        {"stage": SALESFORCE_STAGES},
        salesforce_ids=True,
    ),
)
PRESETS_BY_KEY = {p.key: p for p in PRESETS}

# Words a spreadsheet of one's own uses, for files no preset knows.
_SYNONYMS: dict[str, dict[str, str]] = {
    ObjectType.CONTACTS: {
        "e-mail": "email",
        "email address": "email",
        "mail": "email",
        "firstname": "first_name",
        "given name": "first_name",
        "lastname": "last_name",
        "surname": "last_name",
        "family name": "last_name",
        "phone": "phone",
        "telephone": "phone",
        "title": "title",
        "company": "account.name",
        "organisation": "account.name",
        "organization": "account.name",
        "domain": "account.domain",
        "website": "account.domain",
        "owner": "owner",
        "stage": "lifecycle_stage",
    },
    ObjectType.ACCOUNTS: {
        "company": "name",
        "account": "name",
        "website": "domain",
        "owner": "owner",
        "country": "region",
    },
    ObjectType.DEALS: {
        "deal": "name",
        "opportunity": "name",
        "value": "amount",
        "expected close date": "close_date",
        "owner": "owner",
        "company": "account.name",
        "email": "contact.email",
        "contact email": "contact.email",
    },
}


def preset_pick(object_type: str, headers: Iterable[str]) -> Preset | None:
    """The built-in preset of this kind whose columns best match the header (two at least)."""
    names = {h.strip().casefold() for h in headers}
    best: tuple[int, Preset | None] = (1, None)
    for preset in PRESETS:
        if preset.object_type != object_type:
            continue
        score = len(names & preset.columns.keys())
        if score > best[0]:
            best = (score, preset)
    return best[1]


def mapping_suggest(object_type: str, headers: list[str], preset: Preset | None) -> dict[str, str]:
    """{header: target} for every header: the preset's target, a target named like the
    column, a known synonym, or "" (skip). No target is given to two columns."""
    targets = TARGETS[object_type]
    by_label = {label.casefold(): key for key, label in targets.items()}
    by_label.update({key.replace("_", " "): key for key in targets})
    synonyms = _SYNONYMS[object_type]
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        name = header.strip().casefold()
        target = (preset.columns.get(name) if preset else None) or by_label.get(name)
        target = target or synonyms.get(name, "")
        if target in taken:
            target = ""
        mapping[header] = target
        if target:
            taken.add(target)
    return mapping


def salesforce_id_18(value: str) -> str:
    """A 15-character (case-sensitive) Salesforce id with its 3-character checksum added, as
    the API writes it; any other value unchanged."""
    if len(value) != 15 or not value.isalnum() or value.isdigit():
        return value
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(value[start : start + 5]) if "A" <= ch <= "Z")
        suffix += alphabet[bits]
    return value + suffix
