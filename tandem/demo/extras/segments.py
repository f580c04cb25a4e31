"""Demo segments for Kestrel's marketing team, built at the end of ``tandem demo``.

Rules a marketer would keep (decision makers in manufacturing, the recently engaged, warm
prospects), the exclusions every send names (customers, competitors, unsubscribed), and a
static list from a trade show. Each is built with the real set-based rebuild; its size history
is the rule evaluated at earlier dates over the contacts who existed then.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from tandem.demo.extras.context import DemoContext
from tandem.people.models import Contact, Touch, TouchKind
from tandem.segments import rebuild
from tandem.segments.conditions import EvalContext, parse_rule
from tandem.segments.models import Segment, SegmentMember, SegmentSize

HISTORY_WEEKS = 8
SENIOR_WORDS = ("Chief", "VP", "Head of", "Director", "Founder")


def _rules(customers_id: int) -> list[tuple[str, str, dict, bool]]:
    recent = 30
    return [
        (
            "Manufacturing decision makers",
            "Senior people at manufacturers: the buyers of a plant-wide roll-out.",
            {
                "match": "all",
                "conditions": [
                    {
                        "type": "account_field",
                        "field": "industry",
                        "op": "equals",
                        "value": "Manufacturing",
                    },
                    {
                        "match": "any",
                        "conditions": [
                            {
                                "type": "contact_field",
                                "field": "title",
                                "op": "contains",
                                "value": w,
                            }
                            for w in SENIOR_WORDS
                        ],
                    },
                ],
            },
            False,
        ),
        (
            "Engaged last 30 days",
            "Opened twice, clicked, visited three pages or filled in a form this month.",
            {
                "match": "any",
                "conditions": [
                    {
                        "type": "behaviour",
                        "action": "opened_email",
                        "at_least": 2,
                        "within_days": recent,
                    },
                    {"type": "behaviour", "action": "clicked_email", "within_days": recent},
                    {
                        "type": "behaviour",
                        "action": "visited_page",
                        "at_least": 3,
                        "within_days": recent,
                    },
                    {"type": "behaviour", "action": "submitted_form", "within_days": recent},
                ],
            },
            False,
        ),
        (
            "Competitors",
            "People at competitors: never in a campaign's audience.",
            {
                "match": "all",
                "conditions": [{"type": "audience", "op": "any_of", "values": ["competitor"]}],
            },
            True,
        ),
        (
            "Unsubscribed",
            "Said no to email: taken out of every send.",
            {
                "match": "all",
                "conditions": [{"type": "consent", "channel": "email", "state": "refused"}],
            },
            True,
        ),
        (
            "Warm prospects, not yet customers",
            "Score 30 or more, email consent, and not a customer: the nurture audience.",
            {
                "match": "all",
                "conditions": [
                    {"type": "score", "op": "gte", "value": 30},
                    {"type": "consent", "channel": "email", "state": "granted"},
                    {"type": "segment", "op": "not_in", "segment": customers_id},
                ],
            },
            False,
        ),
    ]


def _history(segment: Segment, context: DemoContext) -> int:
    """Weekly sizes before today: the rule at that date, over the contacts created by then."""
    group = parse_rule(segment.rule)
    rows = []
    for weeks in range(HISTORY_WEEKS, 0, -1):
        at = context.now - dt.timedelta(weeks=weeks)
        with rebuild.whole_rule_reads():
            count = Contact.objects.filter(group.q(EvalContext(now=at)), created_at__lte=at).count()
        rows.append(SegmentSize(segment=segment, measured_at=at, member_count=count))
    SegmentSize.objects.bulk_create(rows)
    return len(rows)


def segments_demo(context: DemoContext) -> dict[str, int]:
    if Segment.objects.filter(name="Customers").exists():
        return {}  # made by an earlier run: the demo's extras add nothing twice
    sizes = 0
    customers = Segment.objects.create(
        name="Customers",
        description="Everyone who has bought: excluded from prospecting sends.",
        rule={
            "match": "any",
            "conditions": [
                {"type": "audience", "op": "any_of", "values": ["customer"]},
                {
                    "type": "lifecycle_stage",
                    "op": "in",
                    "values": ["customer", "repeat_customer", "advocate"],
                },
            ],
        },
        is_exclusion=True,
    )
    made = [customers]
    for name, description, rule, is_exclusion in _rules(customers.pk):
        made.append(
            Segment.objects.create(
                name=name, description=description, rule=rule, is_exclusion=is_exclusion
            )
        )
    for segment in made:
        segment.is_time_relative = parse_rule(segment.rule).is_time_relative()
        segment.save(update_fields=["is_time_relative"])
        sizes += _history(segment, context)
        rebuild.segment_rebuild(segment=segment, now=context.now)
        sizes += 1

    # A trade-show list: people met at the booth, added by hand after the show.
    show = Segment.objects.create(
        name="Hannover Messe booth visitors",
        description="Scanned at the booth; imported from the badge scanner's CSV.",
        kind=Segment.Kind.STATIC,
    )
    met = list(
        Touch.objects.filter(kind=TouchKind.EVENT)
        .values_list("contact_id", flat=True)
        .distinct()
        .order_by("contact_id")[:2000]
    )
    if len(met) < 20:
        met += list(
            Contact.objects.filter(~Q(pk__in=met))
            .order_by("pk")
            .values_list("pk", flat=True)[: max(20, context.contacts // 100)]
        )
    chosen = sorted(context.rng.sample(met, k=min(len(met), max(20, len(met) // 3))))
    show_at = context.now - dt.timedelta(days=context.rng.randint(20, 60))
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=show, contact_id=pk, added_at=show_at) for pk in chosen]
    )
    show.member_count = len(chosen)
    show.save(update_fields=["member_count"])
    SegmentSize.objects.create(segment=show, measured_at=show_at, member_count=len(chosen))
    return {
        "segments": len(made) + 1,
        "segment_members": SegmentMember.objects.count(),
        "segment_sizes": sizes + 1,
    }
