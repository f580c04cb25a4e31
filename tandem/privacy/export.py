"""Everything held on one person, as one zip: ``personal-data.json`` and one CSV per table.

The tables are found the way a merge finds them: every model with a foreign key to
``people.Contact`` (``privacy.erase.contact_relations``), so a table added later is exported
without a change here; then the rows that hang on those (``INDIRECT``: a survey response's
answers, a recipient's clicks, the deals of their committee seats) and the comments that name
them anywhere. Custom field values are on the contact row itself. Secrets never leave
(``audit.events.is_secret``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import models

from tandem.audit.events import is_secret
from tandem.collaboration.models import Comment, SurveyAnswer
from tandem.core.tables import cell_safe
from tandem.mailing.models import EmailClick
from tandem.people.models import Contact
from tandem.privacy.erase import contact_relations
from tandem.privacy.scrub import Identifiers, matching
from tandem.sales.models import Deal

# Models with a key to the contact whose rows are not exported, and why (none today: a
# table named here must say why holding it back is right).
EXCUSED: dict[str, str] = {}


def _rows(queryset: models.QuerySet) -> list[dict[str, Any]]:
    model = queryset.model
    names = [f.attname for f in model._meta.concrete_fields if not is_secret(f.attname)]
    return [
        {k: _plain(v) for k, v in row.items()} for row in queryset.order_by("pk").values(*names)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _survey_answers(contact: Contact) -> models.QuerySet:
    return SurveyAnswer.objects.filter(response__contact=contact)


def _email_clicks(contact: Contact) -> models.QuerySet:
    return EmailClick.objects.filter(recipient__contact=contact)


def _committee_deals(contact: Contact) -> models.QuerySet:
    return Deal.objects.filter(committee__contact=contact).distinct()


def _comments_naming(contact: Contact) -> models.QuerySet:
    who = Identifiers.of(
        first_name=contact.first_name,
        last_name=contact.last_name,
        emails=[contact.email],
        phone=contact.phone,
    )
    return Comment.objects.filter(matching(Comment, ["body"], who.strong)).exclude(contact=contact)


# Rows reached through another table: table name in the zip -> how to find them.
INDIRECT: dict[str, Callable[[Contact], models.QuerySet]] = {
    "collaboration.SurveyAnswer": _survey_answers,
    "mailing.EmailClick": _email_clicks,
    "sales.Deal (buying committee)": _committee_deals,
    "collaboration.Comment (naming them)": _comments_naming,
}


def personal_data(contact: Contact) -> dict[str, Any]:
    """The person's data: the contact row and, per table, the rows about them."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for model, key in contact_relations():
        label = model._meta.label
        if label in EXCUSED:
            continue
        name = label if key == "contact" else f"{label} ({key})"
        tables[name] = _rows(model._default_manager.filter(**{key: contact}))
    for name, find in INDIRECT.items():
        tables[name] = _rows(find(contact))
    return {
        "format": "tandem personal data, version 1",
        "contact": _rows(Contact.objects.filter(pk=contact.pk))[0],
        "tables": tables,
    }


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: cell_safe(_cell(v)) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _file_name(table: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", table).strip("_") + ".csv"


def personal_data_zip(contact: Contact) -> bytes:
    """The zip: ``personal-data.json`` (everything) and one CSV per table (contact first)."""
    data = personal_data(contact)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "personal-data.json", json.dumps(data, indent=2, ensure_ascii=False, default=str)
        )
        archive.writestr("people.Contact.csv", _csv([data["contact"]]))
        for table, rows in data["tables"].items():
            archive.writestr(_file_name(table), _csv(rows))
    return buffer.getvalue()
