"""Segment fixtures: a small crowd with known fields, consent and touches, made through services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tandem.people import services as people
from tandem.people import touches
from tandem.people.models import Contact
from tandem.segments import rebuild, services
from tandem.segments.models import Segment
from tests.factories import AccountFactory, CampaignFactory, LeadFormFactory

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 12, 0))


@dataclass
class Crowd:
    ann: Contact  # Manufacturing VP, score 60, prospect+customer, email consent yes, opens x3
    bob: Contact  # Retail manager, score 20, prospect, consent refused, visits once, 40 days ago
    cy: Contact  # no account, competitor, score 0, no consent, no touches
    dee: Contact  # Manufacturing engineer, media, score 45, attended the event
    campaign: object
    event: object
    form: object


def _touch(contact, kind, days_ago, campaign=None):
    return touches.touch_record(
        contact=contact, kind=kind, occurred_at=NOW - dt.timedelta(days=days_ago), campaign=campaign
    )


@pytest.fixture
def crowd(cast, django_capture_on_commit_callbacks) -> Crowd:
    # Run the after-commit refreshes the crowd's changes queue, so tests start settled.
    with django_capture_on_commit_callbacks(execute=True):
        return _build_crowd(cast)


def _build_crowd(cast) -> Crowd:
    manufacturing = AccountFactory(name="Acme Works", domain="acme.test", industry="Manufacturing")
    retail = AccountFactory(
        name="Shopline", domain="shopline.test", industry="Retail", size_band="10-49"
    )
    campaign = CampaignFactory(name="Autumn email", channel="email", utm_campaign="autumn")
    event = CampaignFactory(name="Trade show", channel="events", utm_campaign="trade-show")
    form = LeadFormFactory(slug="demo-request", campaign=campaign)
    ann = Contact.objects.create(
        email="ann@acme.test",
        first_name="Ann",
        title="VP Operations",
        account=manufacturing,
        audience_flags=1 | 2,
        score=60,
        lifecycle_stage="mql",
        owner=cast.sales_rep,
    )
    bob = Contact.objects.create(
        email="bob@shopline.test",
        first_name="Bob",
        title="Store manager",
        account=retail,
        audience_flags=1,
        score=20,
        lifecycle_stage="lead",
    )
    cy = Contact.objects.create(
        email="cy@gmail.test",
        first_name="Cy",
        audience_flags=4,
        score=0,
    )
    dee = Contact.objects.create(
        email="dee@acme.test",
        first_name="Dee",
        title="Engineer",
        account=manufacturing,
        audience_flags=8,
        score=45,
        lifecycle_stage="customer",
        owner=cast.teammate_rep,
    )
    people.consent_record(contact=ann, channel="email", is_granted=True, source="test")
    people.consent_record(contact=bob, channel="email", is_granted=False, source="test")
    for days in (1, 5, 20):
        _touch(ann, "email_open", days, campaign)
    _touch(ann, "email_open", 45, campaign)
    _touch(ann, "email_click", 2, campaign)
    _touch(bob, "page_visit", 40)
    _touch(dee, "event", 3, event)
    from tandem.marketing.models import FormSubmission

    touch = _touch(bob, "form_submission", 10, campaign)
    FormSubmission.objects.create(
        form=form,
        contact=bob,
        touch=touch,
        data={},
        consent_given=False,
        submitted_at=touch.occurred_at,
    )
    return Crowd(ann=ann, bob=bob, cy=cy, dee=dee, campaign=campaign, event=event, form=form)


@pytest.fixture
def make_segment(cast):
    """A dynamic segment with ``rule``, built at NOW."""

    def _make(rule, name="Test segment", **kwargs) -> Segment:
        segment = services.segment_create(actor=cast.marketer, name=name, rule=rule, **kwargs)
        if segment.kind == Segment.Kind.DYNAMIC:
            rebuild.segment_rebuild(segment=segment, now=NOW)
        segment.refresh_from_db()
        return segment

    return _make


@pytest.fixture
def api(cast):
    """``api("marketer")`` — a JSON client with that cast member's token."""
    from tandem.access import services as access
    from tests.api.conftest import Api

    made: dict[str, Api] = {}

    def _for(role: str) -> Api:
        if role not in made:
            _, raw = access.token_issue(user=cast.by_role(role), name=f"{role} script")
            made[role] = Api(raw)
        return made[role]

    return _for
