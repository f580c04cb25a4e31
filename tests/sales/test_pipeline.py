"""Pipelines with configurable stages, deal fields, the board and the filtered list."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.errors import InvalidInput
from tandem.sales import selectors
from tandem.sales import services as sales
from tandem.sales.filters import DealFilter
from tandem.sales.models import Deal, DealStageMove, Pipeline, PipelineStage
from tests.factories import AccountFactory


def test_a_manager_creates_a_pipeline_with_its_stages_and_probabilities(cast):
    pipeline = sales.pipeline_create(
        actor=cast.sales_manager, name="Renewals", stages=[("Notice", 60), ("Terms", 85)]
    )

    assert [(s.name, s.position, s.probability, s.outcome) for s in pipeline.stages.all()] == [
        ("Notice", 0, 60, "open"),
        ("Terms", 1, 85, "open"),
        ("Won", 2, 100, "won"),
        ("Lost", 3, 0, "lost"),
    ]


@pytest.mark.django_db
def test_reading_the_default_pipeline_creates_nothing():
    assert selectors.pipeline_get(pipeline_id=None) is None
    assert not Pipeline.objects.exists()

    made = sales.pipeline_default()

    assert selectors.pipeline_get(pipeline_id=None) == made


def test_a_rep_may_not_create_a_pipeline(cast):
    with pytest.raises(PermissionDenied):
        sales.pipeline_create(actor=cast.sales_rep, name="Mine")


@pytest.mark.parametrize(
    ("name", "stages", "field"),
    [
        ("", None, "name"),
        ("New business", None, "name"),
        ("Partners", [("Intro", 140)], "stages"),
        ("Partners", [("Intro", "often")], "stages"),
    ],
    ids=["blank", "duplicate", "over-100", "not-a-number"],
)
def test_bad_pipelines_name_the_field(cast, name, stages, field):
    sales.pipeline_default()

    with pytest.raises(InvalidInput) as exc:
        sales.pipeline_create(actor=cast.sales_manager, name=name, stages=stages)

    assert list(exc.value.errors) == [field]


def test_a_new_stage_goes_before_won_and_lost(cast):
    pipeline = sales.pipeline_default()

    sales.pipeline_stage_save(
        actor=cast.sales_manager, pipeline=pipeline, name="Legal review", probability=85
    )

    assert [s.name for s in pipeline.stages.all()] == [
        "Discovery",
        "Proposal",
        "Negotiation",
        "Legal review",
        "Won",
        "Lost",
    ]


def test_a_stage_probability_is_changed(cast):
    pipeline = sales.pipeline_default()
    proposal = pipeline.stages.get(name="Proposal")

    sales.pipeline_stage_save(
        actor=cast.sales_manager, pipeline=pipeline, stage=proposal, name="Proposal", probability=35
    )

    assert PipelineStage.objects.get(pk=proposal.pk).probability == 35


def test_deal_fields_are_saved(cast, deal):
    partner = AccountFactory(name="Resell GmbH")

    sales.deal_update(
        actor=cast.sales_rep,
        deal=deal,
        forecast_category="commit",
        next_step="Send proposal",
        next_step_due_on="2030-01-15",
        expected_close_on="2030-02-01",
        source="partner",
        partner_id=partner.pk,
    )

    deal.refresh_from_db()
    assert (deal.forecast_category, deal.next_step, deal.next_step_due_on) == (
        "commit",
        "Send proposal",
        dt.date(2030, 1, 15),
    )
    assert (deal.source, deal.partner, deal.expected_close_on) == (
        "partner",
        partner,
        dt.date(2030, 2, 1),
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"next_step": "Call"}, "next_step_due_on"),
        ({"forecast_category": "maybe"}, "forecast_category"),
        ({"expected_close_on": "soon"}, "expected_close_on"),
        ({"source": "outbound", "partner_id": 0}, "partner"),
        ({"source": "magic"}, "source"),
    ],
    ids=["step-without-date", "category", "date", "unknown-partner", "source"],
)
def test_bad_deal_fields_name_the_field(cast, deal, changes, field):
    if changes.get("partner_id") == 0:
        changes["partner_id"] = 999999

    with pytest.raises(InvalidInput) as exc:
        sales.deal_update(actor=cast.sales_rep, deal=deal, **changes)

    assert list(exc.value.errors) == [field]


def test_a_partner_needs_the_partner_source(cast, deal):
    partner = AccountFactory(name="Resell GmbH")

    with pytest.raises(InvalidInput) as exc:
        sales.deal_update(actor=cast.sales_rep, deal=deal, source="outbound", partner_id=partner.pk)

    assert exc.value.errors == {"partner": "a partner goes with the source 'channel partner'"}


def test_another_rep_may_not_edit_the_deal_but_their_manager_may(cast, deal):
    with pytest.raises(PermissionDenied):
        sales.deal_update(actor=cast.other_team_rep, deal=deal, next_step="")

    sales.deal_update(actor=cast.sales_manager, deal=deal, forecast_category="best_case")
    deal.refresh_from_db()
    assert deal.forecast_category == "best_case"


def _deal(cast, name, *, step="", due=None, owner=None, amount=100, category="pipeline"):
    owner = owner or cast.sales_rep
    deal = sales.deal_open(actor=owner, name=name, owner=owner, amount=amount)
    sales.deal_update(
        actor=owner,
        deal=deal,
        next_step=step,
        next_step_due_on=due,
        forecast_category=category,
        expected_close_on=due,
    )
    return deal


def test_flagged_means_no_next_step_or_overdue(cast):
    today = timezone.localdate()
    _deal(cast, "Nothing planned")
    _deal(cast, "Late", step="Call back", due=today - dt.timedelta(days=1))
    _deal(cast, "On track", step="Demo", due=today + dt.timedelta(days=2))

    flagged = selectors.deal_list(user=cast.sales_rep, filters=DealFilter(flagged=True))
    no_step = selectors.deal_list(user=cast.sales_rep, filters=DealFilter(no_next_step=True))

    assert sorted(d.name for d in flagged) == ["Late", "Nothing planned"]
    assert [d.name for d in no_step] == ["Nothing planned"]


def test_a_step_without_a_date_or_a_date_without_a_step_is_flagged_and_today_is_not(cast):
    today = timezone.localdate()
    # The form refuses a step without a date, but an import or a plain UPDATE writes one.
    undated = _deal(cast, "Step, no date")
    Deal.objects.filter(pk=undated.pk).update(next_step="Call", next_step_due_on=None)
    _deal(cast, "Date, no step", step="", due=today + dt.timedelta(days=5))
    _deal(cast, "Due today", step="Call", due=today)

    flagged = selectors.deal_list(user=cast.sales_rep, filters=DealFilter(flagged=True))
    no_step = selectors.deal_list(user=cast.sales_rep, filters=DealFilter(no_next_step=True))

    assert sorted(d.name for d in flagged) == ["Date, no step", "Step, no date"]
    assert flagged.count() == 2
    assert sorted(d.name for d in no_step) == ["Date, no step", "Step, no date"]


def test_won_and_lost_deals_leave_the_open_list_the_flagged_board_and_their_counts(cast):
    won = _deal(cast, "Won soon", step="")
    lost = _deal(cast, "Lost soon", step="")
    _deal(cast, "Still open", step="")
    sales.deal_close_won(actor=cast.sales_rep, deal=won)
    sales.deal_close_lost(actor=cast.sales_rep, deal=lost, reason="price")

    for user in (cast.sales_rep, cast.sales_manager):
        open_list = selectors.deal_list(user=user, filters=DealFilter(outcome="open", flagged=True))
        columns = selectors.board(
            user=user, pipeline=sales.pipeline_default(), filters=DealFilter(flagged=True)
        )
        won_list = selectors.deal_list(user=user, filters=DealFilter(outcome="won"))

        assert [d.name for d in open_list] == ["Still open"]
        assert open_list.count() == 1
        assert [c.deal.name for col in columns for c in col.cards] == ["Still open"]
        assert sum(col.count for col in columns) == 1
        assert [d.name for d in won_list] == ["Won soon"]


def test_the_list_filters_by_owner_category_and_close_dates(cast):
    day = dt.date(2030, 3, 10)
    _deal(cast, "A", step="x", due=day, category="commit")
    _deal(cast, "B", step="x", due=day + dt.timedelta(days=30), category="commit")
    _deal(cast, "C", step="x", due=day, category="best_case")
    _deal(cast, "D", step="x", due=day, category="commit", owner=cast.teammate_rep)

    filters = DealFilter.from_query(
        {
            "owner": str(cast.sales_rep.pk),
            "forecast_category": "commit",
            "close_from": "2030-03-01",
            "close_to": "2030-03-31",
            "flagged": "",
        }
    )

    assert [d.name for d in selectors.deal_list(user=cast.sales_manager, filters=filters)] == ["A"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"close_from": "March"}, "close_from"),
        ({"owner": "sam"}, "owner"),
        ({"forecast_category": "maybe"}, "forecast_category"),
        ({"close_from": "2030-03-02", "close_to": "2030-03-01"}, "close_to"),
    ],
)
def test_bad_filters_name_the_field(cast, query, field):
    with pytest.raises(InvalidInput) as exc:
        list(selectors.deal_list(user=cast.sales_rep, filters=DealFilter.from_query(query)))

    assert list(exc.value.errors) == [field]


def test_the_board_shows_a_pipeline_by_stage_with_counts_and_weighted_amounts(cast):
    renewals = sales.pipeline_create(
        actor=cast.sales_manager, name="Renewals", stages=[("Notice", 60), ("Terms", 80)]
    )
    for amount in (100, 300):
        sales.deal_open(
            actor=cast.sales_rep,
            name=f"Renew {amount}",
            owner=cast.sales_rep,
            amount=amount,
            pipeline=renewals,
        )
    sales.deal_open(actor=cast.sales_rep, name="New", owner=cast.sales_rep, amount=999)

    notice, terms = selectors.board(user=cast.sales_rep, pipeline=renewals)

    assert [c.deal.name for c in notice.cards] == ["Renew 300", "Renew 100"]
    assert (notice.count, notice.amount, notice.weighted) == (2, Decimal(400), Decimal("240.00"))
    assert (terms.count, terms.cards) == (0, [])


def test_a_rep_moves_a_deal_on_the_board_and_the_move_is_recorded(cast, deal, client_for):
    proposal = deal.pipeline.stages.get(name="Proposal")

    response = client_for(cast.sales_rep).post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": proposal.pk, "from": "board"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert f"Moved {deal} to Proposal." in response.content.decode()
    move = DealStageMove.objects.filter(deal=deal).first()
    assert (move.to_stage, move.moved_by, move.from_stage.name) == (
        proposal,
        cast.sales_rep,
        "Discovery",
    )


def _many(cast, n: int) -> None:
    pipeline = sales.pipeline_default()
    stages = list(pipeline.stages.filter(outcome="open"))
    owners = [cast.sales_rep, cast.teammate_rep, cast.other_team_rep]
    now = timezone.now()
    Deal.objects.bulk_create(
        Deal(
            name=f"Bulk {i}",
            owner=owners[i % 3],
            pipeline=pipeline,
            stage=stages[i % len(stages)],
            amount=i,
            created_at=now,
        )
        for i in range(n)
    )


# Which of _many's owners (by i % 3) each role sees: the rep their own, the manager their team
# (the rep and the teammate), the marketer every deal.
OWNERS_SEEN = {
    "sales_rep": {0},
    "sales_manager": {0, 1},
    "leadership": {0, 1, 2},
    "admin": {0, 1, 2},
    "marketer": {0, 1, 2},
}


def _deals_seen(role: str, n: int) -> list[int]:
    """The numbers of _many's deals the role sees, highest amount last."""
    return [i for i in range(n) if i % 3 in OWNERS_SEEN[role]]


def _deal_count(count: int) -> str:
    return f"{count} deal" if count == 1 else f"{count} deals"


@pytest.mark.parametrize("n", [3, 60])
@pytest.mark.parametrize("role", ["sales_rep", "sales_manager", "marketer"])
def test_the_board_and_the_list_take_the_same_queries_at_any_size(
    cast, client_for, django_assert_num_queries, n, role
):
    _many(cast, n)
    client = client_for(cast.by_role(role))
    client.get("/sales/board/")  # warm the session and the default pipeline
    seen = _deals_seen(role, n)

    with django_assert_num_queries(13):
        board = client.get("/sales/board/?flagged=1")
    with django_assert_num_queries(8):  # with the deal custom fields the list offers
        listed = client.get("/sales/deals/?outcome=open")

    assert board.status_code == 200 and listed.status_code == 200
    # No deal of _many has a next step, so every one is flagged; the biggest leads its column.
    assert f"Bulk {seen[-1]}<" in board.content.decode()
    assert _deal_count(len(seen)) in listed.content.decode()


PAGES = {
    "board": "/sales/board/",
    "board flagged": "/sales/board/?flagged=1",
    "list": "/sales/deals/?outcome=open",
    "list last page": "/sales/deals/?outcome=open&page=999",
    "list filtered": "/sales/deals/?outcome=open&flagged=1&forecast_category=pipeline",
}
# The same on SQLite and PostgreSQL, for every role, at 5 deals as at 50.
PAGE_QUERIES = {
    "board": 13,
    "board flagged": 13,
    # The list reads the deal custom fields it offers as filter and columns: one query.
    "list": 8,
    "list last page": 8,
    "list filtered": 8,
}


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("page", list(PAGES), ids=list(PAGES))
@pytest.mark.parametrize("role", ["sales_rep", "sales_manager", "leadership", "admin"])
def test_every_role_s_board_and_list_run_exactly_as_many_queries_at_5_and_at_50_deals(
    cast, client_for, role, page
):
    client = client_for(cast.by_role(role))
    _many(cast, 5)
    client.get(PAGES[page])  # warm the session and the default pipeline
    few, few_html = _queries(client, PAGES[page])

    _many(cast, 45)
    many, many_html = _queries(client, PAGES[page])

    assert (few, many) == (PAGE_QUERIES[page], PAGE_QUERIES[page])
    assert f"Bulk {_deals_seen(role, 5)[-1]}<" in few_html
    assert f"Bulk {_deals_seen(role, 45)[-1]}<" in many_html


def _column_counts(user) -> list[int]:
    columns = selectors.board(user=user, pipeline=sales.pipeline_default())
    return [column.count for column in columns]


def test_a_manager_s_board_and_list_count_the_team_s_deals_and_follow_a_rep_who_moves_team(
    cast, client_for
):
    # Given 30 deals: Sam's 10 in Discovery and Tara's 10 in Proposal (the manager's team,
    # North), Otto's 10 in Negotiation (South).
    _many(cast, 30)
    client = client_for(cast.sales_manager)

    assert _column_counts(cast.sales_manager) == [10, 10, 0]
    assert "20 deals" in client.get("/sales/deals/?outcome=open").content.decode()

    # When Otto moves to North, his deals are the manager's team's deals at once.
    cast.other_team_rep.team = cast.sales_manager.team
    cast.other_team_rep.save(update_fields=["team"])

    assert _column_counts(cast.sales_manager) == [10, 10, 10]
    assert "30 deals" in client.get("/sales/deals/?outcome=open").content.decode()
    assert _column_counts(cast.sales_rep) == [10, 0, 0]  # a rep still sees only their own


def test_a_deep_page_of_the_list_holds_the_next_deals_by_close_date_with_undated_ones_last(
    cast, client_for
):
    # Given 60 open deals of the manager's team, 50 with close dates (in reverse order of
    # creation) and 10 without, and 20 of another team's rep the manager may not see.
    pipeline = sales.pipeline_default()
    discovery = pipeline.stages.get(position=0)

    today, now = timezone.localdate(), timezone.now()
    Deal.objects.bulk_create(
        Deal(
            name=f"D{i:02d}",
            owner=cast.sales_rep if i % 2 else cast.teammate_rep,
            pipeline=pipeline,
            stage=discovery,
            created_at=now,
            expected_close_on=today + dt.timedelta(days=60 - i) if i < 50 else None,
        )
        for i in range(60)
    )
    Deal.objects.bulk_create(
        Deal(
            name=f"Other {i}",
            owner=cast.other_team_rep,
            pipeline=pipeline,
            stage=discovery,
            created_at=now,
            expected_close_on=today,
        )
        for i in range(20)
    )
    rows = selectors.deal_list(user=cast.sales_manager, filters=DealFilter(outcome="open"))

    from django.core.paginator import Paginator

    page = Paginator(rows, 50).get_page(2)

    assert page.paginator.count == 60
    # Page 1 held the 50 dated deals, soonest first (D49 … D00); page 2 the undated by id.
    assert [d.name for d in page] == [f"D{i}" for i in range(50, 60)]
    assert [d.name for d in Paginator(rows, 50).get_page(1)][:3] == ["D49", "D48", "D47"]
    assert (
        "Page 2 of 2"
        in client_for(cast.sales_manager).get("/sales/deals/?outcome=open&page=2").content.decode()
    )
