"""The predictive score: trained on history, judged on a later period, explained per lead."""

import datetime as dt

from django.utils import timezone

from tandem.handoff import predictive
from tandem.handoff.models import PredictiveModel, ScoringProfile
from tandem.people.models import Contact, LifecycleMove, Touch
from tests.factories import ContactFactory


def test_too_little_history_falls_back_to_the_rule_score_with_a_clear_message(db):
    ContactFactory()

    record = predictive.model_train()

    assert not record.is_ready
    assert record.message.startswith("Not enough history yet: 0 contacts and 0 conversions")
    explanation = predictive.explain_contact(Contact.objects.get())
    assert explanation.probability is None
    assert explanation.message.endswith("The rule score ranks leads meanwhile.")


def _cohort(now, created_days, touch_days, won_days, n=40):
    """Half keen (three forms, four in five buy), half cold (one in five buys)."""
    for i in range(n):
        keen = i % 2 == 0
        contact = ContactFactory()
        Contact.objects.filter(pk=contact.pk).update(
            created_at=now - dt.timedelta(days=created_days)
        )
        for _ in range(3 if keen else 0):
            Touch.objects.create(
                contact=contact, kind="form_submission",
                occurred_at=now - dt.timedelta(days=touch_days),
            )  # fmt: skip
        buys = (i // 2) % 5 != 0 if keen else (i // 2) % 5 == 0
        if buys:
            LifecycleMove.objects.create(
                contact=contact, from_stage="opportunity", to_stage="customer",
                moved_at=now - dt.timedelta(days=won_days),
            )  # fmt: skip


def test_a_model_learns_from_history_and_beats_chance_on_the_later_period(db):
    now = timezone.now()
    ScoringProfile.objects.create(predictive_min_leads=30)
    _cohort(now, created_days=400, touch_days=200, won_days=150)  # before the training cutoff
    _cohort(now, created_days=120, touch_days=100, won_days=50)  # the held-out later period

    record = predictive.model_train(now=now)

    assert record.is_ready, record.message
    assert (record.training_rows, record.positives) == (40, 20)
    evaluation = PredictiveModel.objects.get().evaluation
    # the first cohort's twenty who never bought are still prospects at the later cutoff
    assert evaluation["rows"] == 60 and evaluation["positives"] == 20
    assert evaluation["auc"] > 0.75
    assert len(evaluation["calibration"]) == 10
    keen, cold = ContactFactory(), ContactFactory()
    for _ in range(3):
        Touch.objects.create(contact=keen, kind="form_submission", occurred_at=now)
    keen_says, cold_says = predictive.explain_contact(keen), predictive.explain_contact(cold)
    assert keen_says.probability > cold_says.probability
    assert "form submissions lately raises the chance" in " ".join(keen_says.factors)
