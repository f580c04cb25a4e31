"""The groups survey answers are broken down by: audience type, month, segment and product.

Read when a release is cut (``collaboration.survey_releases``), never when figures are shown:
what is shown is the groups as they were released, so a group's figures do not move when a
respondent's company buys a product or joins a segment either.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.collaboration.models import SurveyAnswer
from tandem.orders.models import OrderLine, OrderStatus
from tandem.people.models import AudienceType, Contact
from tandem.segments.models import SegmentMember

# One audience per answer (the first of these it has), so the audience groups partition the
# answers and cannot be subtracted from each other to isolate a few.
PRIMARY_ORDER = (
    AudienceType.CUSTOMER,
    AudienceType.PROSPECT,
    AudienceType.PARTNER,
    AudienceType.COMPETITOR,
    AudienceType.MEDIA,
    AudienceType.CANDIDATE,
    AudienceType.EMPLOYEE,
    AudienceType.PUBLIC,
)
# The breakdowns, in the order a release considers them: the partitions first (audience,
# month), then the overlapping ones (a respondent may be in several segments and products).
DIMENSIONS = ("audience", "month", "segment", "product")
BOUGHT = (OrderStatus.DELIVERED, OrderStatus.INVOICED)


def primary_audience(flags: int) -> AudienceType | None:
    return next((a for a in PRIMARY_ORDER if flags & a.value), None)


def products_by_contact(contact_ids: list[int]) -> dict[int, set[str]]:
    """The products each contact's company bought: the lines of delivered or invoiced orders
    of the contact's account, or of deals on the contact when there is no account."""
    if not contact_ids:
        return {}
    account_of = dict(Contact.objects.filter(pk__in=contact_ids).values_list("id", "account_id"))
    accounts = {a for a in account_of.values() if a is not None}
    lines = (
        OrderLine.objects.filter(order__status__in=BOUGHT)
        .filter(Q(order__account_id__in=accounts) | Q(order__deal__contact_id__in=contact_ids))
        .values_list("product__name", "order__account_id", "order__deal__contact_id")
        .distinct()
    )
    by_account: dict[int, set[str]] = {}
    by_contact: dict[int, set[str]] = {}
    for name, account_id, contact_id in lines:
        if account_id is not None:
            by_account.setdefault(account_id, set()).add(name)
        if contact_id is not None:
            by_contact.setdefault(contact_id, set()).add(name)
    products: dict[int, set[str]] = {}
    for contact_id, account_id in account_of.items():
        bought = by_contact.get(contact_id, set()) | by_account.get(account_id or -1, set())
        if bought:
            products[contact_id] = bought
    return products


def answer_groups(question_answers: QuerySet[SurveyAnswer]) -> dict[str, dict[str, set[int]]]:
    """The answers' response ids by audience type, month, segment and product (labels sorted
    within a dimension; audience in ``PRIMARY_ORDER``)."""
    rows = question_answers.values_list(
        "response_id",
        "response__audience_flags",
        "response__submitted_at",
        "response__contact_id",
    ).order_by("response__submitted_at", "response_id")
    audiences: dict[str, set[int]] = {a.label: set() for a in PRIMARY_ORDER}
    months: dict[str, set[int]] = {}
    by_contact: dict[int, list[int]] = {}
    for response_id, flags, submitted_at, contact_id in rows:
        primary = primary_audience(flags)
        if primary is not None:
            audiences[primary.label].add(response_id)
        months.setdefault(f"{submitted_at:%Y-%m}", set()).add(response_id)
        # Segments and products are those of named respondents; anonymous answers have none.
        if contact_id is not None:
            by_contact.setdefault(contact_id, []).append(response_id)
    segments: dict[str, set[int]] = {}
    for name, contact_id in SegmentMember.objects.filter(
        contact_id__in=list(by_contact)
    ).values_list("segment__name", "contact_id"):
        segments.setdefault(name, set()).update(by_contact[contact_id])
    products: dict[str, set[int]] = {}
    for contact_id, names in products_by_contact(list(by_contact)).items():
        for name in names:
            products.setdefault(name, set()).update(by_contact[contact_id])
    return {
        "audience": {label: ids for label, ids in audiences.items() if ids},
        "month": dict(sorted(months.items())),
        "segment": dict(sorted(segments.items())),
        "product": dict(sorted(products.items())),
    }
