"""Likely duplicates among contacts and accounts, and what merging two of them would do.

Each rule is a normalised key computed by the database (``Lower``, ``Replace``, ``Substr`` …,
the same SQL on SQLite and PostgreSQL); the database groups every visible record by it and
returns the keys held more than once, then the records of those keys. Two scans of the table
per rule and no pairwise comparison anywhere, so 100,000 contacts stay quick
(``python -m benchmarks duplicates``).

Contacts: the same name at the same account; the same name with the same company email
domain; the same address once plus-tags (and, for Gmail, dots) are removed; the same phone
number once spaces and punctuation are; the same name alone (only in groups of two or three:
more are namesakes). Accounts: the same domain; the same name once case, punctuation and a
legal suffix (Inc, GmbH, Ltd …) are removed. A group found by several rules is listed once,
with every reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Count, F, Max, Min, Q, QuerySet, Value, When
from django.db.models.functions import (
    Cast,
    Concat,
    Left,
    Length,
    Lower,
    Replace,
    StrIndex,
    Substr,
    Trim,
)

from tandem.access import policies
from tandem.access.models import User
from tandem.people import merge, relink
from tandem.people.dismissals import dismissed_pairs
from tandem.people.models import Account, AudienceType, Contact, Stage
from tandem.people.selectors import FREE_MAIL_DOMAINS, account_get_for_user, contact_get_for_user

GROUPS_PER_RULE = 100
GMAIL = ("gmail.com", "googlemail.com")
LEGAL_SUFFIXES = (
    "pty ltd",
    "incorporated",
    "corporation",
    "company",
    "limited",
    "gmbh",
    "sarl",
    "corp",
    "inc",
    "llc",
    "ltd",
    "plc",
    "sas",
    "srl",
    "spa",
    "ag",
    "bv",
    "nv",
    "sa",
    "co",
    "oy",
    "ab",
    "kg",
)


@dataclass
class DuplicateGroup:
    """Records that look like one, oldest first, and why; ``pairs`` are the (older, newer)
    pairs to compare, one per record after the first, none a dismissed one."""

    records: list[Any]
    reasons: list[str] = field(default_factory=list)
    pairs: list[tuple[Any, Any]] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [r.pk for r in self.records]


def _text(expression: Any) -> Any:
    return Cast(expression, output_field=CharField())


def _name_key() -> Any:
    return Concat(Lower(Trim("first_name")), Value(" "), Lower(Trim("last_name")))


def _email_domain() -> Any:
    return Substr("email", StrIndex("email", Value("@")) + 1)


def _email_base() -> Any:
    """The address without a plus-tag; for Gmail also without dots, on gmail.com."""
    local = Substr("email", 1, StrIndex("email", Value("@")) - 1)
    untagged = Case(
        When(email__contains="+", then=Substr("email", 1, StrIndex("email", Value("+")) - 1)),
        default=local,
    )
    return Case(
        When(
            email_domain__in=GMAIL,
            then=Concat(Replace(untagged, Value("."), Value("")), Value("@gmail.com")),
        ),
        default=Concat(untagged, Value("@"), F("email_domain")),
    )


def _digits(column: str) -> Any:
    expression: Any = F(column)
    for mark in (" ", "-", "(", ")", ".", "/"):
        expression = Replace(expression, Value(mark), Value(""))
    return expression


NAMED = ~Q(first_name="") & ~Q(last_name="")

# (reason, key, which records take part, the largest group worth listing)
CONTACT_RULES: tuple[tuple[str, Any, Q, int | None], ...] = (
    (
        "same name at the same account",
        Concat(_name_key(), Value("#"), _text("account_id")),
        NAMED & Q(account__isnull=False),
        None,
    ),
    (
        "same name and email domain",
        Concat(_name_key(), Value("@"), F("email_domain")),
        NAMED & ~Q(email_domain__in=sorted(FREE_MAIL_DOMAINS)),
        None,
    ),
    ("same address without dots or +tags", _email_base(), Q(), None),
    ("same phone number", _digits("phone"), ~Q(phone=""), None),
    ("same name", _name_key(), NAMED, 3),
)


def _account_name_key() -> Any:
    return Case(
        *[
            When(
                name_plain__endswith=f" {suffix}",
                then=Trim(Left("name_plain", Length("name_plain") - len(suffix) - 1)),
            )
            for suffix in LEGAL_SUFFIXES
        ],
        default=F("name_plain"),
    )


def _grouped(
    records: QuerySet, key: Any, where: Q, largest: int | None, limit: int
) -> list[list[int]]:
    """Ids of the records sharing a key, per key (at most ``limit`` keys). One grouped scan
    answers the pairs (their lowest and highest id); only groups of three or more are read
    again, by their keys."""
    keyed = records.filter(where).annotate(dup_key=key).order_by()
    counted = keyed.values("dup_key").annotate(n=Count("pk"), low=Min("pk"), high=Max("pk"))
    counted = counted.filter(n__gt=1)
    if largest is not None:
        counted = counted.filter(n__lte=largest)
    found = list(counted.order_by("dup_key").values_list("dup_key", "n", "low", "high")[:limit])
    larger = [k for k, n, _, _ in found if n > 2]
    members: dict[str, list[int]] = {}
    if larger:
        for dup_key, pk in keyed.filter(dup_key__in=larger).values_list("dup_key", "pk"):
            members.setdefault(dup_key, []).append(pk)
    return [sorted(members[k]) if n > 2 else [low, high] for k, n, low, high in found]


def _assembled(model: Any, found: list[tuple[str, list[int]]]) -> list[DuplicateGroup]:
    by_ids: dict[tuple[int, ...], DuplicateGroup] = {}
    ids = {pk for _, group in found for pk in group}
    records = model.objects.select_related("owner").in_bulk(ids)
    for reason, group in found:
        key = tuple(group)
        if key not in by_ids:
            by_ids[key] = DuplicateGroup([records[pk] for pk in group if pk in records])
        by_ids[key].reasons.append(reason)
    return [g for g in by_ids.values() if len(g.records) > 1]


def _undismissed(kind: str, groups: list[DuplicateGroup]) -> list[DuplicateGroup]:
    """The groups less their dismissed pairs (``people.dismissals``), one query for all.

    A group falls apart where every pair between two parts is dismissed; a part of one record
    is no duplicate any more. Each record after the first is paired with the first earlier
    record (else later one) it is not dismissed from."""
    dismissed = dismissed_pairs(kind=kind, records=[r for g in groups for r in g.records])
    kept = []
    for group in groups:

        def linked(a: Any, b: Any) -> bool:
            return (min(a.pk, b.pk), max(a.pk, b.pk)) not in dismissed

        parts: list[list[Any]] = []
        for record in group.records:
            joined = [p for p in parts if any(linked(record, other) for other in p)]
            merged_part = [r for p in joined for r in p] + [record]
            parts = [p for p in parts if p not in joined] + [merged_part]
        for part in parts:
            if len(part) < 2:
                continue
            part.sort(key=lambda r: r.pk)
            pairs = []
            for i, record in enumerate(part[1:], start=1):
                partner = next((o for o in part[:i] + part[i + 1 :] if linked(o, record)), part[0])
                pair = (partner, record) if partner.pk < record.pk else (record, partner)
                if pair not in pairs:
                    pairs.append(pair)
            kept.append(DuplicateGroup(part, list(group.reasons), pairs))
    return kept


def contact_duplicates_for_user(*, user: Any, limit: int = GROUPS_PER_RULE) -> list[DuplicateGroup]:
    """Groups of contacts the user may merge that look like one person (see the module)."""
    visible = policies.visible(user, "contact_merge", Contact.objects.all())
    visible = visible.annotate(email_domain=_email_domain())
    found = [
        (reason, group)
        for reason, key, where, largest in CONTACT_RULES
        for group in _grouped(visible, key, where, largest, limit)
    ]
    return _undismissed("contact", _assembled(Contact, found))


def account_duplicates_for_user(*, user: Any, limit: int = GROUPS_PER_RULE) -> list[DuplicateGroup]:
    """Groups of accounts the user may merge that look like one company (see the module)."""
    visible = policies.visible(user, "account_merge", Account.objects.all())
    plain = Replace(Replace(Lower(Trim("name")), Value("."), Value("")), Value(","), Value(""))
    named = visible.annotate(name_plain=plain)
    found = [
        (reason, group)
        for reason, records, key, where in (
            ("same domain", visible, Lower("domain"), ~Q(domain="")),
            ("same name", named, _account_name_key(), ~Q(name="")),
        )
        for group in _grouped(records, key, where, None, limit)
    ]
    return _undismissed("account", _assembled(Account, found))


@dataclass(frozen=True)
class Choice:
    """One differing field as the merge page shows it: both values in words."""

    difference: merge.Difference
    kept_shown: str
    merged_shown: str


def _shown(name: str, value: Any) -> str:
    """A field's value in words: a name for an id, labels for stages and audience types."""
    if _blank(value):
        return "—"
    if name == "account":
        return str(Account.objects.filter(pk=value).first() or f"#{value}")
    if name == "owner":
        user = User.objects.filter(pk=value).first()
        return (user.get_full_name() or user.get_username()) if user else f"#{value}"
    if name == "audience_flags":
        return ", ".join(a.label for a in AudienceType if value & a.value) or "—"
    if name == "lifecycle_stage":
        return str(Stage(value).label)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass
class MergePreview:
    """What merging ``merged`` into ``kept`` would do, for the merge page and the API."""

    kind: str
    kept: Any
    merged: Any
    differences: list[merge.Difference]
    choices: list[Choice]
    # (what, the kept record's rows, the merged record's rows), e.g. ("touches", 4, 2)
    counts: list[tuple[str, int, int]]
    refusal: str


def merge_pair_for_user(*, user: Any, kind: str, kept_id: int, merged_id: int) -> tuple:
    """The two records (``kind``: "contact" or "account"), each one the user may see and may
    view as a duplicate; 404 or 403 as the record selectors answer."""
    kept: Any
    merged: Any
    if kind == "contact":
        kept = contact_get_for_user(user=user, contact_id=kept_id)
        merged = contact_get_for_user(user=user, contact_id=merged_id)
    else:
        kept = account_get_for_user(user=user, account_id=kept_id)
        merged = account_get_for_user(user=user, account_id=merged_id)
    for record in (kept, merged):
        policies.require(user, "view", f"{kind}_merge", record)
    return kept, merged


def merge_preview(*, user: Any, kind: str, kept_id: int, merged_id: int) -> MergePreview:
    """Both records (each one the user may see and merge), their differing fields, the rows
    of each per related kind, and why the merge would be refused (empty: it would not)."""
    kept, merged = merge_pair_for_user(user=user, kind=kind, kept_id=kept_id, merged_id=merged_id)
    model: Any = Contact if kind == "contact" else Account
    titles = {ref.label: ref.title for ref in relink.references_to(model)}
    ours = relink.references_count(model, kept.pk)
    theirs = relink.references_count(model, merged.pk)
    counts = [
        (titles[label], ours.get(label, 0), theirs.get(label, 0))
        for label in titles
        if label in ours or label in theirs
    ]
    differences = merge.merge_differences(kept=kept, merged=merged)
    return MergePreview(
        kind=kind,
        kept=kept,
        merged=merged,
        differences=differences,
        choices=[
            Choice(d, _shown(d.field, d.kept), _shown(d.field, d.merged)) for d in differences
        ],
        counts=counts,
        refusal="" if kept.pk == merged.pk else merge.merge_refusal(kept=kept, merged=merged),
    )
