"""Sales' part in merging two accounts (``people.merge``), heard through people's hooks.

A deal sold to one of the two accounts through the other as channel partner would, once they
are one, be its own partner: the merge is refused, naming the deals (a rep decides whether the
partner was really a separate company).
"""

from __future__ import annotations

from django.db.models import Q

from tandem.people import hooks
from tandem.sales.models import Deal

NAMED = 3  # deals named in the refusal; more are counted


def partner_deals_problem(event: hooks.MergeCheck) -> None:
    """Refuse a merge that would make a deal's customer its own channel partner."""
    if event.kind != "account":
        return
    a, b = event.kept.pk, event.merged.pk
    deals = list(
        Deal.objects.filter(Q(account_id=a, partner_id=b) | Q(account_id=b, partner_id=a))
        .order_by("pk")
        .values_list("pk", "name")
    )
    if not deals:
        return
    named = ", ".join(f"{name} (#{pk})" for pk, name in deals[:NAMED])
    more = f" and {len(deals) - NAMED} more" if len(deals) > NAMED else ""
    event.problems.append(
        f"{event.kept} and {event.merged} are customer and channel partner on "
        f"{named}{more}: once merged, the account would be its own partner. Remove the partner "
        "from those deals first."
    )


def register() -> None:
    """Called from the sales app's ``apps.py`` ``ready()``."""
    hooks.ACCOUNTS_MERGING.listen(partner_deals_problem)
