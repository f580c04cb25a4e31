"""Doors for the deal page, the board, the deal list and a rep's day (the home is in dashboards)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.access.selectors import sales_people_active
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.fields.filters import ALL_OPS
from tandem.fields.lists import custom_columns
from tandem.fields.posted import (
    custom_errors_unshown,
    custom_input_rows,
    custom_values_posted,
)
from tandem.fields.selectors import custom_fields_for
from tandem.people.selectors import accounts_for_user, contact_find, contacts_of_account
from tandem.sales import (
    activity_selectors,
    activity_services,
    playbook_services,
    selectors,
    services,
)
from tandem.sales import plan_selectors as plan
from tandem.sales.filters import DealFilter
from tandem.sales.fit import deal_fit_concerns
from tandem.sales.models import (
    ActivityKind,
    ActivityOutcome,
    CommitteeRole,
    Deal,
    DealSource,
    FitDecision,
    ForecastCategory,
    LostReason,
    PipelineStage,
    PreferredChannel,
)
from tandem.sales.review_services import TEAM_OF_ROLE, fit_review_current
from tandem.sales.schemas import (
    ActivityDoneForm,
    ActivityIn,
    AnswerIn,
    CommitteeSeatIn,
    DealLoseIn,
    DealMoveIn,
    DealNewForm,
    DealPatch,
    DealWinIn,
    DealWorkForm,
)


@login_required
def deal_detail(request, deal_id: int):
    deal = selectors.deal_get_for_user(user=request.user, deal_id=deal_id)
    review = fit_review_current(deal=deal)
    user = request.user
    decided = {d.team for d in review.decisions.all()} if review else set()
    my_team = TEAM_OF_ROLE.get(user.role, "")
    return render(
        request,
        "sales/deal.html",
        {
            "deal": deal,
            "private_notes": selectors.deal_private_notes_for(user=user, deal=deal),
            "can_change": policies.can(user, "change", "deal", deal) and deal.is_open,
            "can_edit": policies.can(user, "change", "deal", deal),
            "can_edit_notes": policies.can(user, "change", "deal_private_notes", deal),
            "open_stages": deal.pipeline.stages.filter(outcome=PipelineStage.Outcome.OPEN),
            "events": selectors.deal_timeline(deal=deal),
            "committee": selectors.deal_committee(deal=deal),
            "playbook": selectors.deal_playbook(deal=deal),
            "unanswered_key": selectors.deal_unanswered_key(deal=deal),
            "is_flagged": deal.is_open and selectors.deal_is_flagged(deal),
            "concerns": deal_fit_concerns(deal) if deal.is_open else [],
            "review": review,
            "can_decide": review is not None
            and review.status == "open"
            and policies.can(user, "change", "fit_review", review)
            and (my_team not in decided or user.is_tandem_admin),
            "decide_team": my_team,
            "can_raise": deal.is_open
            and (review is None or review.status != "open")
            and policies.can(user, "create", "fit_review"),
            "account_contacts": (
                contacts_of_account(account_id=deal.account_id) if deal.account_id else []
            ),
            "lost_reasons": LostReason.choices,
            "categories": ForecastCategory.choices,
            "sources": DealSource.choices,
            "roles": CommitteeRole.choices,
            "channels": PreferredChannel.choices,
            "activity_kinds": ActivityKind.choices,
            "outcomes": ActivityOutcome.choices,
            "decisions": FitDecision.Decision.choices,
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
    move = typed_input(DealMoveIn, request.POST, names={"stage_id": "stage", "came_from": "from"})
    if request.htmx and move.came_from == "board":
        # The board moves a card and redraws itself in place, keeping its filters.
        deal = selectors.deal_get_for_user(user=request.user, deal_id=deal_id)
        notice = error = ""
        try:
            services.deal_move(actor=request.user, deal=deal, stage_id=move.stage_id)
            notice = f"Moved {deal} to {deal.stage}."
        except InvalidInput as exc:
            error = "; ".join(exc.errors.values())
        return _board_response(request, deal.pipeline_id, notice=notice, error=error)

    def act(deal):
        services.deal_move(actor=request.user, deal=deal, stage_id=move.stage_id)
        return f"Moved to {deal.stage}."

    return _act(request, deal_id, act)


@login_required
@require_POST
def deal_win(request, deal_id: int):
    def act(deal):
        won = typed_input(DealWinIn, request.POST)
        services.deal_close_won(actor=request.user, deal=deal, amount=won.amount)
        return f"Won {deal} for {deal.amount:,.2f}. {deal.contact or 'The contact'} is a customer."

    return _act(request, deal_id, act)


@login_required
@require_POST
def deal_lose(request, deal_id: int):
    def act(deal):
        lost = typed_input(DealLoseIn, request.POST, labels={"reason": "Lost reason"})
        services.deal_close_lost(actor=request.user, deal=deal, reason=lost.reason)
        return f"{deal} marked lost."

    return _act(request, deal_id, act)


@login_required
@require_POST
def deal_notes(request, deal_id: int):
    def act(deal):
        change = typed_input(DealPatch, request.POST, labels={"private_notes": "Private notes"})
        services.deal_notes_update(actor=request.user, deal=deal, notes=change.private_notes or "")
        return "Notes saved."

    return _act(request, deal_id, act)


# -- the board and the list ----------------------------------------------------------------


def _filters(request) -> tuple[DealFilter, str]:
    try:
        return DealFilter.from_query(request.GET), ""
    except InvalidInput as exc:
        return DealFilter(), "; ".join(f"{k}: {v}" for k, v in exc.errors.items())


def _board_response(request, pipeline_id: int | None, *, notice: str = "", error: str = ""):
    filters, filter_error = _filters(request)
    # The board always shows a pipeline: on a fresh install this visit makes the default one.
    pipeline = (
        selectors.pipeline_get(pipeline_id=pipeline_id or filters.pipeline)
        or services.pipeline_default()
    )
    ctx = {
        "pipeline": pipeline,
        "pipelines": selectors.pipelines(),
        "columns": selectors.board(user=request.user, pipeline=pipeline, filters=filters),
        "filters": filters,
        "query": request.GET.urlencode(),
        "notice": notice,
        "error": error or filter_error,
        "section": "sales",
        "owners": _owners(),
        "categories": ForecastCategory.choices,
        "can_move": policies.can(request.user, "change", "deal"),
    }
    if request.htmx:
        return render(request, "sales/_pipeline_board.html", ctx)
    return render(request, "sales/board.html", ctx)


def _owners():
    return sales_people_active()


@login_required
def board(request):
    policies.require(request.user, "view", "deal")
    return _board_response(request, None)


@login_required
def deal_list(request):
    policies.require(request.user, "view", "deal")
    filters, error = _filters(request)
    # A DealList gives Paginator what it uses (a count and slices), not the whole sequence
    # protocol its stubs ask for.
    try:
        deals = selectors.deal_list(user=request.user, filters=filters)
        page: Page[Deal] = Paginator(deals, 50).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    except InvalidInput as exc:
        error = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        deals = selectors.deal_list(user=request.user, filters=DealFilter())
        page = Paginator(deals, 50).get_page(1)  # type: ignore[arg-type]
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "page": page,
        "filters": filters,
        "error": error,
        "query": query.urlencode(),
        "pipelines": selectors.pipelines(),
        "owners": _owners(),
        "categories": ForecastCategory.choices,
        "today": timezone.localdate(),
        "section": "sales",
        "can_create": policies.can(request.user, "create", "deal"),
        "custom_fields": (fields := custom_fields_for("deal")),
        "columns": custom_columns("deal", request.GET.getlist("cols"), fields=fields),
        "cf": {k: request.GET.get(k, "") for k in ("cf", "cf_op", "cf_value", "cf_value_to")},
        "ops": ALL_OPS,
    }
    template = "sales/_deal_rows.html" if request.htmx else "sales/deals.html"
    return render(request, template, ctx)


@login_required
def deal_new(request):
    """Open a deal by hand: its name, contact (by email), amount, close date and custom values."""
    policies.require(request.user, "create", "deal")
    values = {k: request.POST.get(k, "").strip() for k in DealNewForm.model_fields}
    custom = custom_values_posted("deal", request.POST)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            form = typed_input(DealNewForm, request.POST, labels=DEAL_NEW_LABELS)
            contact = None
            if form.contact_email:
                contact = contact_find(email=form.contact_email.strip().lower())
                if contact is None:
                    raise InvalidInput.field(
                        "contact_email", f"no contact with the email {form.contact_email}"
                    )
            deal = services.deal_open(
                actor=request.user,
                name=form.name,
                owner=request.user,
                contact=contact,
                amount=form.amount,
                expected_close_on=form.expected_close_on,
                custom=custom,
            )
            messages.success(request, f"Deal {deal} opened.")
            return redirect("sales:deal", deal_id=deal.pk)
        except InvalidInput as exc:
            errors = exc.errors
    return render(
        request,
        "sales/deal_new.html",
        {
            "values": values,
            "errors": errors,
            "custom_rows": (rows := custom_input_rows("deal", sent=custom, errors=errors)),
            "custom_errors": custom_errors_unshown(rows, errors),
            "section": "sales",
        },
        status=422 if errors else 200,
    )


DEAL_NEW_LABELS = {"contact_email": "Contact's email", "expected_close_on": "Expected close"}


# -- a deal's working fields, committee, playbook and activities ------------------------------


WORK_FIELDS = ("expected_close_on", "forecast_category", "next_step", "next_step_due_on", "source")


@login_required
@require_POST
def deal_edit(request, deal_id: int):
    def act(deal):
        form = typed_input(DealWorkForm, request.POST)
        # Only what the form sent changes; a date sent blank is cleared.
        changes = {f: getattr(form, f) for f in WORK_FIELDS if f in request.POST}
        if form.partner is not None:
            name = form.partner.strip()
            partner = accounts_for_user(user=request.user).filter(name__iexact=name).first()
            if name and partner is None:
                raise InvalidInput.field("partner", f"no account called {name}")
            changes["partner_id"] = partner.pk if partner else None
        services.deal_update(actor=request.user, deal=deal, **changes)
        return "Deal saved."

    return _act(request, deal_id, act)


@login_required
@require_POST
def committee_add(request, deal_id: int):
    def act(deal):
        seat = typed_input(CommitteeSeatIn, request.POST, labels={"decision_on": "Decision date"})
        email = seat.email.strip().lower()
        contact = contact_find(email=email)
        if contact is None:
            raise InvalidInput.field("email", f"no contact with the email {email or '(blank)'}")
        services.committee_member_save(
            actor=request.user, deal=deal, contact=contact, **seat.model_dump(exclude={"email"})
        )
        return f"{contact} is on the buying committee."

    return _act(request, deal_id, act)


@login_required
@require_POST
def committee_remove(request, deal_id: int, member_id: int):
    def act(deal):
        member = plan.committee_member_get(deal=deal, member_id=member_id)
        services.committee_member_remove(actor=request.user, member=member)
        return f"{member.contact} left the buying committee."

    return _act(request, deal_id, act)


@login_required
@require_POST
def answer_save(request, deal_id: int, question_id: int):
    def act(deal):
        question = plan.question_get(question_id=question_id)
        answer = typed_input(AnswerIn, request.POST)
        playbook_services.playbook_answer_save(
            actor=request.user, deal=deal, question=question, **answer.model_dump()
        )
        return "Answer saved."

    return _act(request, deal_id, act)


@login_required
@require_POST
def activity_add(request, deal_id: int):
    def act(deal):
        logged = typed_input(ActivityIn, request.POST, labels={"due_at": "Due"})
        activity_services.activity_log(
            actor=request.user, deal=deal, **logged.model_dump(exclude={"deal_id", "contact_id"})
        )
        return "Activity logged."

    return _act(request, deal_id, act)


@login_required
@require_POST
def activity_done(request, activity_id: int):
    activity = activity_selectors.activity_get_for_user(user=request.user, activity_id=activity_id)
    done = typed_input(ActivityDoneForm, request.POST, names={"back_to": "next"})
    try:
        activity_services.activity_complete(
            actor=request.user, activity=activity, **done.model_dump(exclude={"back_to"})
        )
        messages.success(request, f"{activity} done.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    if done.back_to == "day" or activity.deal_id is None:
        return redirect("sales:day")
    return redirect("sales:deal", deal_id=activity.deal_id)


@login_required
def day(request):
    if not request.user.is_sales and not request.user.is_tandem_admin:
        raise PermissionDenied("The day view is a rep's own list of calls, meetings and tasks.")
    return render(
        request,
        "sales/day.html",
        {
            "day": activity_selectors.day_view(user=request.user),
            "outcomes": ActivityOutcome.choices,
            "section": "sales",
        },
    )
