"""The sales pages read their forms through the typed schemas and keep the pages' own ways."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.messages import get_messages

from tandem.sales.models import ForecastAdjustment, PipelineStage, Quota


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_blank_date_on_the_deal_form_clears_it_and_an_unsent_field_stays(cast, deal, client_for):
    deal.expected_close_on, deal.next_step = dt.date(2030, 1, 31), "Call Bea"
    deal.next_step_due_on = dt.date(2030, 1, 15)
    deal.save()
    client = client_for(cast.sales_rep)

    client.post(f"/sales/deals/{deal.pk}/edit/", {"expected_close_on": ""})

    deal.refresh_from_db()
    assert deal.expected_close_on is None
    assert (deal.next_step, deal.next_step_due_on) == ("Call Bea", dt.date(2030, 1, 15))


def test_a_bad_date_on_the_deal_form_names_the_field(cast, deal, client_for):
    response = client_for(cast.sales_rep).post(
        f"/sales/deals/{deal.pk}/edit/", {"next_step_due_on": "soon"}
    )

    assert _said(response) == ["Next step due on must be a date (YYYY-MM-DD)"]


def test_a_board_move_to_no_stage_is_refused_on_the_board(cast, deal, client_for):
    response = client_for(cast.sales_rep).post(
        f"/sales/deals/{deal.pk}/move/", {"from": "board", "stage": "nope"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "that stage is not in this deal&#x27;s pipeline" in response.content.decode()


def test_a_move_from_the_deal_page_goes_to_the_chosen_stage(cast, deal, client_for):
    proposal = PipelineStage.objects.get(pipeline=deal.pipeline, name="Proposal")

    client_for(cast.sales_rep).post(f"/sales/deals/{deal.pk}/move/", {"stage": str(proposal.pk)})

    deal.refresh_from_db()
    assert deal.stage == proposal


def test_the_targets_page_sets_a_quota_for_the_period_on_screen(cast, client_for):
    month = dt.date(2026, 6, 1)  # any period the page shows; not today's
    client = client_for(cast.sales_manager)

    client.post(
        f"/sales/targets/?kind=month&start={month.isoformat()}",
        {"who": f"user:{cast.sales_rep.pk}", "amount": "9000"},
    )
    refused = client.post("/sales/targets/", {"who": "someone", "amount": "ten"})

    quota = Quota.objects.get()
    assert (quota.user, quota.period_kind, quota.period_start) == (cast.sales_rep, "month", month)
    assert quota.amount == Decimal("9000.00")
    assert _said(refused)[-1] == "who: For must be a rep or a team; amount: Amount must be a number"


def test_a_forecast_call_is_for_the_period_on_screen(cast, client_for):
    month = dt.date(2026, 6, 1)  # any period the page shows; not today's

    client_for(cast.sales_manager).post(
        f"/sales/forecast/?kind=month&start={month.isoformat()}",
        {"amount": "120000", "reason": "Two big renewals", "period_kind": "quarter"},
    )

    call = ForecastAdjustment.objects.get()
    assert (call.period_kind, call.period_start, call.amount) == ("month", month, 120000)
