"""Fit review: sales and marketing decide together on a deal that falls outside the rules.

A deal whose registered fit checks (``tandem.sales.fit``) find concerns is flagged and gets a
review. It cannot be won until a sales manager and a marketing manager have each recorded a
decision with a rationale; one decline declines the review, one "with conditions" carries.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.access import policies
from tandem.access.roles import Role
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.sales.fit import FitConcern, deal_fit_concerns
from tandem.sales.models import Deal, FitDecision, FitReview

TEAM_OF_ROLE = {
    Role.SALES_MANAGER: FitDecision.Team.SALES,
    Role.MARKETING_MANAGER: FitDecision.Team.MARKETING,
}


def fit_review_current(*, deal: Deal) -> FitReview | None:
    """The deal's latest review, if it ever had one."""
    return deal.fit_reviews.prefetch_related("decisions__decided_by").first()


def _covers(review: FitReview | None, concerns: list[FitConcern]) -> bool:
    """Whether ``review`` was opened on (at least) these concerns and not declined."""
    return (
        review is not None
        and review.status != FitReview.Status.DECLINED
        and {c.code for c in concerns} <= review.concern_codes
    )


def fit_review_sync(*, deal: Deal, actor: Any = None, via: str = "ui") -> FitReview | None:
    """Open a review when the deal has concerns no live review covers; the current review.

    A review that approved other concerns does not cover new ones: a new review opens.
    """
    concerns = deal_fit_concerns(deal)
    review = fit_review_current(deal=deal)
    if not concerns or _covers(review, concerns):
        return review
    # A declined deal stays declined until the offer changes to something new.
    if (
        review is not None
        and review.status == FitReview.Status.DECLINED
        and {c.code for c in concerns} <= review.concern_codes
    ):
        return review
    with transaction.atomic():
        review = FitReview.objects.create(
            deal=deal,
            concerns=[{"code": c.code, "message": c.message} for c in concerns],
            opened_by=actor if getattr(actor, "is_authenticated", False) else None,
            opened_at=timezone.now(),
        )
        audit.record_created(actor=actor, obj=review, via=via)
    return review


def fit_review_open(*, actor: Any, deal: Deal, reason: str, via: str = "ui") -> FitReview:
    """Ask for a joint review of a deal no rule flagged: a rep or manager who sees a misfit."""
    policies.require(actor, "create", "fit_review")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "say what does not fit")
    current = fit_review_current(deal=deal)
    if current is not None and current.status == FitReview.Status.OPEN:
        raise InvalidInput.field("reason", "this deal is already in fit review")
    with transaction.atomic():
        review = FitReview.objects.create(
            deal=deal,
            concerns=[{"code": "raised", "message": reason[:500]}],
            opened_by=actor,
            opened_at=timezone.now(),
        )
        audit.record_created(actor=actor, obj=review, via=via)
    return review


def fit_review_delete(*, actor: Any, review: FitReview, via: str = "ui") -> None:
    """Remove a review opened by mistake (admins only), with its decisions."""
    policies.require(actor, "delete", "fit_review", review)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=review, via=via)
        review.delete()


def fit_review_blocking(*, deal: Deal, actor: Any = None) -> str | None:
    """Why the deal may not be won yet because of its fit, or None when it may.

    Rule-found concerns open a review if none covers them; a review someone raised by hand
    blocks while it is open or declined, too.
    """
    concerns = deal_fit_concerns(deal)
    review = fit_review_sync(deal=deal, actor=actor) if concerns else fit_review_current(deal=deal)
    if review is None:
        return None
    if review.status == FitReview.Status.OPEN:
        waiting = {FitDecision.Team.SALES, FitDecision.Team.MARKETING} - {
            d.team for d in review.decisions.all()
        }
        teams = " and ".join(sorted(FitDecision.Team(t).label.lower() for t in waiting))
        return f"this deal is in fit review, waiting for {teams} to decide"
    if review.status == FitReview.Status.DECLINED:
        return "the fit review declined this deal"
    return None


def _outcome(decisions: list[FitDecision]) -> str:
    kinds = {d.decision for d in decisions}
    if FitDecision.Decision.DECLINE in kinds:
        return FitReview.Status.DECLINED
    if FitDecision.Decision.CONDITIONS in kinds:
        return FitReview.Status.CONDITIONS
    return FitReview.Status.APPROVED


def fit_review_decide(
    *,
    actor: Any,
    review: FitReview,
    decision: str,
    rationale: str,
    team: str = "",
    via: str = "ui",
) -> FitReview:
    """Record one team's decision; the review closes when both teams have decided."""
    policies.require(actor, "change", "fit_review", review)
    team = TEAM_OF_ROLE.get(actor.role, "") or team
    if team not in FitDecision.Team.values:
        raise InvalidInput.field("team", "say for which team (sales or marketing) you decide")
    if decision not in FitDecision.Decision.values:
        raise InvalidInput.field(
            "decision", f"choose one of: {', '.join(FitDecision.Decision.values)}"
        )
    rationale = (rationale or "").strip()
    if not rationale:
        raise InvalidInput.field("rationale", "say why: the other team reads it")
    with transaction.atomic():
        review = FitReview.objects.select_for_update().get(pk=review.pk)
        if review.status != FitReview.Status.OPEN:
            raise InvalidInput.field("decision", "this review is already decided")
        try:
            with transaction.atomic():
                made = FitDecision.objects.create(
                    review=review,
                    team=team,
                    decision=decision,
                    rationale=rationale[:5000],
                    decided_by=actor,
                    decided_at=timezone.now(),
                )
        except IntegrityError:
            raise InvalidInput.field(
                "decision", f"{FitDecision.Team(team).label} has already decided"
            ) from None
        audit.record_created(actor=actor, obj=made, via=via)
        decisions = list(review.decisions.all())
        if len(decisions) == len(FitDecision.Team.values):
            before = audit.snapshot(review)
            review.status, review.decided_at = _outcome(decisions), timezone.now()
            review.save(update_fields=["status", "decided_at"])
            audit.record_updated(actor=actor, obj=review, before=before, via=via)
    return review
