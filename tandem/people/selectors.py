"""Queries on accounts, contacts and touches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from tandem.access import policies
from tandem.fields.filters import CustomFilter
from tandem.people.account_filters import AccountFilter
from tandem.people.models import Account, Contact, EmailAlias, LifecycleMove, Touch

# Addresses per ``IN (…)`` query: under SQLite's 999 bound parameters, and short on PostgreSQL.
EMAILS_PER_QUERY = 900

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.ru",
        "example.com",
    }
)


def contacts_for_user(
    *,
    user: Any,
    search: str = "",
    lifecycle_stage: str = "",
    owner_id: int | None = None,
    account_id: int | None = None,
    custom_filter: CustomFilter | None = None,
    email: str = "",
) -> QuerySet[Contact]:
    """The contacts the user may see, narrowed by the filters. ``email`` is an exact,
    normalised address, and an address merged away finds the contact it was merged into."""
    qs = policies.visible(user, "contact", Contact.objects.select_related("account", "owner"))
    if email:
        qs = qs.filter(pk__in=list(contact_ids_by_emails([email]).values()))
    if custom_filter is not None:
        qs = qs.filter(custom_filter.q())
    if search:
        qs = qs.filter(
            Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(account__name__icontains=search)
        )
    if lifecycle_stage:
        qs = qs.filter(lifecycle_stage=lifecycle_stage)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if account_id:
        qs = qs.filter(account_id=account_id)
    return qs


def contact_get_for_user(*, user: Any, contact_id: int) -> Contact:
    return policies.get_visible(
        user,
        "contact",
        Contact.objects.select_related(
            "account", "owner", "first_touch_campaign", "last_touch_campaign"
        ),
        contact_id,
    )


def accounts_for_user(*, user: Any, search: str = "") -> QuerySet[Account]:
    qs = policies.visible(user, "account", Account.objects.select_related("owner"))
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(domain__icontains=search))
    return qs


def accounts_listed_for_user(*, user: Any, filters: AccountFilter) -> QuerySet[Account]:
    """The accounts list: the accounts the user may see, narrowed and ordered as asked."""
    return filters.apply(accounts_for_user(user=user, search=filters.search))


def account_industries_for_user(*, user: Any) -> list[str]:
    """The industries named on accounts the user may see, for the list's filter."""
    qs = policies.visible(user, "account", Account.objects.exclude(industry=""))
    return list(qs.order_by("industry").values_list("industry", flat=True).distinct()[:500])


def account_get_for_user(*, user: Any, account_id: int) -> Account:
    return policies.get_visible(
        user, "account", Account.objects.select_related("owner"), account_id
    )


def touches_for_user(
    *, user: Any, contact_id: int | None = None, account_id: int | None = None, kind: str = ""
) -> QuerySet[Touch]:
    qs = policies.visible(user, "touch", Touch.objects.all())
    if contact_id:
        qs = qs.filter(contact_id=contact_id)
    if account_id:
        qs = qs.filter(account_id=account_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def touch_get_for_user(*, user: Any, touch_id: int) -> Touch:
    return policies.get_visible(
        user, "touch", Touch.objects.select_related("contact", "recorded_by"), touch_id
    )


def contact_find(*, email: str) -> Contact | None:
    """The contact with this (normalised) address, whoever owns it.

    For work typed against an address (a touch, a segment member, a committee seat): the
    address names the person, so no visibility scope narrows it.
    An old address of a merged contact (``EmailAlias``) finds the contact it was merged into.
    """
    return (
        Contact.objects.filter(email=email).first()
        or Contact.objects.filter(email_aliases__email=email).first()
    )


def contacts_with_emails(*, emails: list[str]) -> QuerySet[Contact]:
    """The contacts with any of these (normalised) addresses, or an old address of theirs
    (``EmailAlias``), whoever owns them."""
    return Contact.objects.filter(pk__in=list(contact_ids_by_emails(emails).values()))


def contact_ids_by_emails(emails: Iterable[str]) -> dict[str, int]:
    """The contact each of these (normalised) addresses names: ``{email: contact id}``, the
    unknown ones left out. A contact's own address first; an address merged away
    (``EmailAlias``) names the contact it was merged into. Two indexed reads per 900
    addresses, whatever their number: for lists by upload, the API and the import's dedupe.
    """
    wanted = list(dict.fromkeys(e for e in emails if e))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), EMAILS_PER_QUERY):
        chunk = wanted[start : start + EMAILS_PER_QUERY]
        found.update(Contact.objects.filter(email__in=chunk).values_list("email", "pk"))
        missing = [e for e in chunk if e not in found]
        if missing:
            found.update(
                EmailAlias.objects.filter(email__in=missing).values_list("email", "contact_id")
            )
    return found


def email_alias_of(*, email: str) -> EmailAlias | None:
    """The alias row of an address merged away, if it is one (with the contact it names)."""
    return EmailAlias.objects.select_related("contact").filter(email=email).first()


def contacts_of_account(*, account_id: int, limit: int = 50) -> list[Contact]:
    """An account's first contacts, to pick one from on a deal's page."""
    return list(Contact.objects.filter(account_id=account_id)[:limit])


def contact_sample_for_user(*, user: Any, email: str = "") -> Contact | None:
    """A contact the user may see to preview an email with: the one with this address, else
    the first."""
    visible = policies.visible(user, "contact", Contact.objects.select_related("account"))
    return (email and visible.filter(email=email).first()) or visible.order_by("id").first()


def lifecycle_moves_of(*, contact: Contact) -> QuerySet[LifecycleMove]:
    """A contact's lifecycle moves, oldest first."""
    return LifecycleMove.objects.filter(contact=contact).order_by("moved_at", "id")
