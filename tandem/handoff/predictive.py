"""The predictive score: the chance a contact becomes a customer within 90 days, learned from
the company's own history with scikit-learn.

A snapshot at a cutoff date describes every contact not yet a customer by what was known then
(fit score, business email, company size, touches of each kind in the 90 days before, days
since the last touch) and labels it by whether it became a customer in the 90 days after. The
model is fitted on an earlier cutoff and judged on a later one it has not seen (AUC, calibration
by decile, and lift in the top decile over the rule score at that cutoff). Sales' own verdicts in
that later period are judged too: how well the model and the rule score told the leads sales
accepted from the ones it rejected (and why it rejected them), and the deals won from the ones
lost. The probability is a
logistic regression calibrated with Platt scaling; each lead's top factors are the features
pushing its log-odds furthest from the average contact, told in plain words.

Features are gathered with one grouped query per snapshot (set-based); the numeric part runs on
the resulting arrays. Below a minimum of labelled contacts or conversions there is no model and
the lead page says the rule score is used instead.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from tandem.handoff.models import Lead, PredictiveModel, ScoringProfile
from tandem.handoff.scoring import TOUCH_KIND_CAP, TOUCH_POINTS
from tandem.handoff.selectors import predictive_model_latest
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact, LifecycleMove
from tandem.people.selectors import FREE_MAIL_DOMAINS
from tandem.sales.models import Deal, PipelineStage

HORIZON = dt.timedelta(days=90)
KINDS = ("form_submission", "meeting", "event", "call", "email_click", "page_visit", "email_open")
SIZE_ORDER = {"": 0, "1-9": 1, "10-49": 2, "50-249": 3, "250-999": 4, "1000+": 5}
FEATURES = (
    ("fit", "fit with the ideal-customer profile"),
    ("business_email", "a business email address"),
    ("size", "company size"),
    *((f"n_{k}", k.replace("_", " ") + "s lately") for k in KINDS),
    ("recency", "days since the last touch"),
)
MIN_POSITIVES = 10


@dataclass
class Snapshot:
    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    rule_score: np.ndarray


def snapshot(at: dt.datetime, *, labelled: bool = True, ids: list[int] | None = None) -> Snapshot:
    """Every contact not yet a customer at ``at``, described as of ``at`` (one query)."""
    window = Q(touches__occurred_at__gt=at - HORIZON, touches__occurred_at__lte=at)
    customer_by = LifecycleMove.objects.filter(
        contact=OuterRef("pk"), to_stage=Stage.CUSTOMER, moved_at__lte=at
    )
    qs = Contact.objects.filter(created_at__lte=at)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    qs = qs.exclude(Exists(customer_by)).annotate(
        last_touch=Max("touches__occurred_at", filter=window),
        **{f"n_{k}": Count("touches", filter=window & Q(touches__kind=k)) for k in KINDS},
    )
    fields = ["pk", "fit_score", "email", "account__size_band", "last_touch"]
    fields += [f"n_{k}" for k in KINDS]
    if labelled:
        won = LifecycleMove.objects.filter(
            contact=OuterRef("pk"),
            to_stage=Stage.CUSTOMER,
            moved_at__gt=at,
            moved_at__lte=at + HORIZON,
        )
        qs = qs.annotate(converted=Exists(won))
        fields.append("converted")
    rows = list(qs.order_by().values_list(*fields))
    n = len(rows)
    x = np.zeros((n, len(FEATURES)))
    y = np.zeros(n, dtype=np.int8)
    rule = np.zeros(n)
    ids_out = np.zeros(n, dtype=np.int64)

    for i, row in enumerate(rows):
        pk, fit, email, size, last = row[:5]
        counts = row[5 : 5 + len(KINDS)]
        ids_out[i] = pk
        recency = (at - last).days if last else 90
        x[i, 0] = fit
        x[i, 1] = email.split("@")[-1] not in FREE_MAIL_DOMAINS
        x[i, 2] = SIZE_ORDER.get(size or "", 0)
        x[i, 3 : 3 + len(KINDS)] = np.log1p(counts)
        x[i, -1] = recency
        # The rule score at the cutoff, without decay: what a rule-only team would rank by.
        rule[i] = fit + sum(
            min(TOUCH_KIND_CAP, TOUCH_POINTS.get(k, 0) * c)
            for k, c in zip(KINDS, counts, strict=True)
        )
        if labelled:
            y[i] = row[-1]
    return Snapshot(ids_out, x, y, rule)


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None


def _top_decile_rate(y: np.ndarray, score: np.ndarray) -> float:
    top = np.argsort(-score, kind="stable")[: max(1, len(score) // 10)]
    return float(y[top].mean())


def model_train(*, now: dt.datetime | None = None) -> PredictiveModel:
    """Fit on the cutoff 180 days back, evaluate on the cutoff 90 days back, store the model
    (or, below the minimum sample, a record saying why there is none)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    now = now or timezone.now()
    row = ScoringProfile.objects.first()
    minimum = row.predictive_min_leads if row else ScoringProfile().predictive_min_leads
    train_at, test_at = now - 2 * HORIZON, now - HORIZON
    train = snapshot(train_at)
    positives = int(train.y.sum())
    record = PredictiveModel(training_rows=len(train.y), positives=positives)
    if len(train.y) < minimum or positives < MIN_POSITIVES:
        record.message = (
            f"Not enough history yet: {len(train.y):,} contacts and {positives:,} conversions "
            f"at {train_at:%Y-%m-%d} (needs {minimum:,} and {MIN_POSITIVES}). "
            "Leads are ranked by the rule score until then."
        )
        record.save()
        return record
    explainer = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    explainer.fit(train.x, train.y)
    calibrated = CalibratedClassifierCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)), method="sigmoid", cv=3
    )
    calibrated.fit(train.x, train.y)
    test = snapshot(test_at)
    evaluation: dict[str, Any] = {"train_at": train_at.isoformat(), "test_at": test_at.isoformat()}
    if len(test.y):
        p = calibrated.predict_proba(test.x)[:, 1]
        base = float(test.y.mean())
        order = np.argsort(p, kind="stable")
        deciles = [
            {"predicted": float(p[part].mean()), "observed": float(test.y[part].mean())}
            for part in np.array_split(order, 10)
            if len(part)
        ]
        model_top, rule_top = _top_decile_rate(test.y, p), _top_decile_rate(test.y, test.rule_score)
        evaluation.update(
            rows=len(test.y),
            positives=int(test.y.sum()),
            auc=_auc(test.y, p),
            rule_auc=_auc(test.y, test.rule_score),
            base_rate=base,
            calibration=deciles,
            top_decile_rate=model_top,
            rule_top_decile_rate=rule_top,
            lift_over_rule=(model_top / rule_top) if rule_top else None,
        )
        evaluation.update(_verdicts(test, p, test_at))
    buffer = io.BytesIO()
    pickle.dump({"calibrated": calibrated, "explainer": explainer}, buffer)
    record.is_ready = True
    record.evaluation = evaluation
    record.blob = buffer.getvalue()
    record.message = "Trained on the company's own history."
    record.save()
    return record


def _verdicts(test: Snapshot, p: np.ndarray, at: dt.datetime) -> dict[str, Any]:
    """Sales' verdicts on the held-out contacts in the period after ``at``, against the scores
    they had at ``at``: each contact's first lead handed off and decided (accepted 1, rejected
    0) with the reasons for rejecting, and its first deal closed (won 1, lost 0). An AUC near
    0.5 means the score told sales nothing about that verdict; rejected and lost leads are how
    marketing learns what its score misses."""

    row_of = {int(pk): i for i, pk in enumerate(test.ids)}
    end = at + HORIZON

    def judged(pairs: list[tuple[int, bool]]) -> dict[str, Any]:
        rows = np.array([row_of[pk] for pk, _ in pairs], dtype=np.int64)
        y = np.array([good for _, good in pairs], dtype=np.int8)
        if not len(rows):
            return {"count": 0, "bad": 0, "auc": None, "rule_auc": None}
        return {
            "count": len(rows),
            "bad": int(len(y) - y.sum()),
            "auc": _auc(y, p[rows]),
            "rule_auc": _auc(y, test.rule_score[rows]),
            "mean_probability_good": float(p[rows][y == 1].mean()) if y.any() else None,
            "mean_probability_bad": float(p[rows][y == 0].mean()) if (y == 0).any() else None,
        }

    leads: dict[int, tuple[bool, str]] = {}
    decided = (
        Lead.objects.filter(
            handed_off_at__gt=at,
            handed_off_at__lte=end,
            status__in=[Lead.Status.ACCEPTED, Lead.Status.REJECTED],
        )
        .order_by("handed_off_at", "id")
        .values_list("contact_id", "status", "rejection_reason")
    )
    for contact_id, status, reason in decided:
        if contact_id in row_of and contact_id not in leads:
            leads[contact_id] = (status == Lead.Status.ACCEPTED, reason)
    deals: dict[int, bool] = {}
    closed = (
        Deal.objects.filter(
            closed_at__gt=at,
            closed_at__lte=end,
            contact_id__isnull=False,
            stage__outcome__in=[PipelineStage.Outcome.WON, PipelineStage.Outcome.LOST],
        )
        .order_by("closed_at", "id")
        .values_list("contact_id", "stage__outcome")
    )
    for contact_id, outcome in closed:
        if contact_id in row_of and contact_id not in deals:
            deals[contact_id] = outcome == PipelineStage.Outcome.WON
    reasons: dict[str, int] = {}
    for accepted, reason in leads.values():
        if not accepted:
            reasons[reason or "unknown"] = reasons.get(reason or "unknown", 0) + 1
    return {
        "leads_judged": {
            **judged([(pk, accepted) for pk, (accepted, _) in leads.items()]),
            "rejection_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        },
        "deals_judged": judged(list(deals.items())),
    }


_LOADED: dict[int, dict[str, Any]] = {}


def current_model() -> tuple[PredictiveModel | None, dict[str, Any] | None]:
    record = predictive_model_latest()
    if record is None or not record.is_ready:
        return record, None
    if record.pk not in _LOADED:
        blob = PredictiveModel.objects.values_list("blob", flat=True).get(pk=record.pk)
        _LOADED.clear()
        _LOADED[record.pk] = pickle.loads(bytes(blob))  # noqa: S301 -- our own model, our DB
    return record, _LOADED[record.pk]


@dataclass
class Explanation:
    probability: float | None
    factors: list[str]
    message: str


def explain_contact(contact: Contact) -> Explanation:
    """The contact's chance to become a customer within 90 days and the top factors, in words."""
    record, fitted = current_model()
    if fitted is None:
        message = record.message if record else "No predictive model has been trained yet."
        return Explanation(None, [], message + " The rule score ranks leads meanwhile.")
    shot = snapshot(timezone.now(), labelled=False, ids=[contact.pk])
    if not len(shot.ids):
        return Explanation(None, [], "Already a customer: nothing left to predict.")
    probability = float(fitted["calibrated"].predict_proba(shot.x)[0, 1])
    scaler, logistic = fitted["explainer"][0], fitted["explainer"][-1]
    contributions = logistic.coef_[0] * scaler.transform(shot.x)[0]
    order = np.argsort(-np.abs(contributions))[:3]
    factors = []
    for i in order:
        if abs(contributions[i]) < 0.05:
            continue
        direction = "raises" if contributions[i] > 0 else "lowers"
        level = "high" if scaler.transform(shot.x)[0, i] > 0 else "low"
        factors.append(f"{level.capitalize()} {FEATURES[i][1]} {direction} the chance")
    return Explanation(probability, factors, record.message if record else "")


def probabilities_store() -> int:
    """Write the current model's probability on every contact not yet a customer."""
    _, fitted = current_model()
    if fitted is None:
        return 0
    shot = snapshot(timezone.now(), labelled=False)
    if not len(shot.ids):
        return 0
    p = fitted["calibrated"].predict_proba(shot.x)[:, 1]
    rows = [
        Contact(pk=int(pk), conversion_probability=float(v))
        for pk, v in zip(shot.ids, p, strict=True)
    ]
    Contact.objects.bulk_update(rows, ["conversion_probability"], batch_size=5000)
    return len(rows)
