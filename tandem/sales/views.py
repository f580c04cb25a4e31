"""Doors for sales' home (queue, pipeline, numbers) and the deal page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.dashboards import metrics
from tandem.dashboards.periods import SALES_CLOCK
from tandem.dashboards.views import period_context
from tandem.errors import InvalidInput
from tandem.handoff import selectors as handoff_selectors
from tandem.handoff.models import RejectionReason
from tandem.sales import selectors, services
from tandem.sales.models import DealStageMove, LostReason, PipelineStage


def _sales_reader(user) -> None:
    if not (user.is_sales or user.role in ("leadership", "admin")):
        raise PermissionDenied("The sales home is for sales, leadership and admins.")


@login_required
def home(request):
    _sales_reader(request.user)
    ctx = period_context(request, "month", SALES_CLOCK)
    ctx.update(
        section="sales",
        queue=handoff_selectors.lead_queue(user=request.user),
        reasons=RejectionReason.choices,
        board=metrics.pipeline_board(user=request.user),
        numbers=metrics.sales_numbers(user=request.user, period=ctx["period"]),
    )
    part = request.GET.get("part") if request.htmx else None
    if part in ("board", "numbers"):
        return render(request, f"sales/_{part}.html", ctx)
    return render(request, "sales/home.html", ctx)


@login_required
def deal_detail(request, deal_id: int):
    deal = selectors.deal_get_for_user(user=request.user, deal_id=deal_id)
    return render(
        request,
        "sales/deal.html",
        {
            "deal": deal,
            "private_notes": selectors.deal_private_notes_for(user=request.user, deal=deal),
            "can_change": policies.can(request.user, "change", "deal", deal) and deal.is_open,
            "can_edit_notes": policies.can(request.user, "change", "deal_private_notes", deal),
            "open_stages": deal.pipeline.stages.filter(outcome=PipelineStage.Outcome.OPEN),
            "moves": DealStageMove.objects.filter(deal=deal).select_related(
                "from_stage", "to_stage", "moved_by"
            ),
            "lost_reasons": LostReason.choices,
            "section": "sales",
        },
    )


def _act(request, deal_id: int, action) -> object:
    deal = selectors.deal_get_for_user(user=request.user, deal_id=deal_id)
    try:
        note = action(deal)
        if note:
            messages.success(request, note)
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("sales:deal", deal_id=deal.pk)


@login_required
@require_POST
def deal_move(request, deal_id: int):
    def act(deal):
        services.deal_move(
            actor=request.user, deal=deal, stage_id=int(request.POST.get("stage") or 0)
        )
        return f"Moved to {deal.stage}."

    return _act(request, deal_id, act)


@login_required
@require_POST
def deal_win(request, deal_id: int):
    def act(deal):
        services.deal_close_won(actor=request.user, deal=deal, amount=request.POST.get("amount"))
        return f"Won {deal} for {deal.amount:,.2f}. {deal.contact or 'The contact'} is a customer."

    return _act(request, deal_id, act)


@login_required
@require_POST
def deal_lose(request, deal_id: int):
    def act(deal):
        services.deal_close_lost(
            actor=request.user, deal=deal, reason=request.POST.get("reason", "")
        )
        return f"{deal} marked lost."

    return _act(request, deal_id, act)


@login_required
@require_POST
def deal_notes(request, deal_id: int):
    def act(deal):
        services.deal_notes_update(
            actor=request.user, deal=deal, notes=request.POST.get("private_notes", "")
        )
        return "Notes saved."

    return _act(request, deal_id, act)
