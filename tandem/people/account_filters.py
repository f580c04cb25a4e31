"""The accounts list's filters and sorting: one object read from a query string, for the
accounts page and its CSV/XLSX download alike (``exports.lists.accounts_table``), so a
download holds what the screen shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet

from tandem.errors import InvalidInput
from tandem.fields.filters import CustomFilter
from tandem.fields.lists import custom_filter_from_query
from tandem.people.models import Account, Contact

# What a list may be sorted by: the words in the query string, their label and their order
# (``id`` last, so pages never overlap where values tie).
SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("Name, A to Z", ("name", "id")),
    "-name": ("Name, Z to A", ("-name", "-id")),
    "domain": ("Domain", ("domain", "name", "id")),
    "-fit": ("Best fit first", ("-fit_score", "name", "id")),
    "fit": ("Worst fit first", ("fit_score", "name", "id")),
    "-created": ("Newest first", ("-created_at", "-id")),
    "created": ("Oldest first", ("created_at", "id")),
}
DEFAULT_SORT = "name"
# The query-string words this filter reads (``cf``… are the custom field filter's).
WORDS = ("q", "industry", "owner", "fit_min", "sort", "cf", "cf_op", "cf_value", "cf_value_to")


def _whole(query: Mapping[str, Any], name: str, what: str) -> int | None:
    raw = str(query.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput.field(name, f"give {what} as a whole number") from None


@dataclass(frozen=True)
class AccountFilter:
    """What the accounts list shows: search in name or domain, an industry, an owner, a
    lowest fit score, a custom field test, and the order."""

    search: str = ""
    industry: str = ""
    owner_id: int | None = None
    fit_min: int | None = None
    custom_filter: CustomFilter | None = None
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> AccountFilter:
        """The filter a query string asks for; ``InvalidInput`` names every bad word (an
        unknown sort falls back to by name)."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name, what, key in (("owner", "the owner", "owner_id"), ("fit_min", "the fit", "")):
            try:
                values[key or name] = _whole(query, name, what)
            except InvalidInput as exc:
                errors.update(exc.errors)
        try:
            values["custom_filter"] = custom_filter_from_query("account", query)
        except InvalidInput as exc:
            errors.update(exc.errors)
        if errors:
            raise InvalidInput(errors)
        sort = str(query.get("sort") or DEFAULT_SORT)
        return cls(
            search=str(query.get("q") or query.get("search") or "").strip(),
            industry=str(query.get("industry") or "").strip(),
            sort=sort if sort in SORTS else DEFAULT_SORT,
            **values,
        )

    @property
    def is_narrowed(self) -> bool:
        """Whether anything but the order is asked for."""
        return bool(
            self.search
            or self.industry
            or self.owner_id
            or self.fit_min is not None
            or self.custom_filter
        )

    def apply(self, accounts: QuerySet[Account]) -> QuerySet[Account]:
        """These accounts narrowed and ordered."""
        if self.custom_filter is not None:
            accounts = accounts.filter(self.custom_filter.q())
        if self.industry:
            accounts = accounts.filter(industry__iexact=self.industry)
        if self.owner_id:
            accounts = accounts.filter(owner_id=self.owner_id)
        if self.fit_min is not None:
            accounts = accounts.filter(fit_score__gte=self.fit_min)
        return accounts.order_by(*SORTS[self.sort][1])


def query_kept(query: Mapping[str, Any]) -> str:
    """The filter's words of a query string (not the page or the columns), to carry to a
    download or a sort link."""
    # The custom field's test and values mean nothing without the field (the form always
    # sends a test).
    words = WORDS if query.get("cf") else [w for w in WORDS if not w.startswith("cf")]
    return urlencode([(k, str(query.get(k))) for k in words if query.get(k)])


def contact_counts(accounts: list[Account]) -> dict[int, int]:
    """How many contacts each of these accounts has, in one grouped query."""
    ids = [a.pk for a in accounts]
    if not ids:
        return {}
    rows = (
        Contact.objects.filter(account_id__in=ids)
        .order_by()
        .values("account_id")
        .annotate(n=Count("pk"))
        .values_list("account_id", "n")
    )
    return dict(rows)
