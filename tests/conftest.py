"""Shared fixtures: one user per role in two sales teams and a marketing team, and the relay."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone

from tandem.access.roles import Role, TeamKind
from tandem.handoff.models import Lead
from tandem.marketing import form_services
from tandem.marketing.models import LeadForm
from tandem.ops import settings_cache
from tandem.people.models import Contact
from tests.factories import CampaignFactory, LeadFormFactory, TeamFactory, UserFactory


@pytest.fixture
def pinned_today() -> dt.date:
    """A fixed day for tests whose data meets a period boundary (a month, a quarter, "the last
    40 days", a quote's year): the app reads the clock itself, so the clock is moved there
    (mid-month, mid-morning, still ticking), and the test's own dates are taken from this day."""
    now = timezone.make_aware(dt.datetime(2026, 6, 17, 10, 30))
    with time_machine.travel(now, tick=True):
        yield timezone.localtime(now).date()


@pytest.fixture(autouse=True)
def _settings_unread():
    """Each test starts with the company settings unread, as a new process does.

    Tests roll back, so the settings' version token stays the one the migrations wrote and a
    value kept by an earlier test would still be used: a query count would then depend on
    which tests ran before it (a test run alone would see more queries than in the suite)."""
    settings_cache._values.clear()


@dataclass
class Cast:
    """The people of a small company: each role once, plus a rep in another sales team."""

    marketer: object
    marketing_manager: object
    sales_rep: object
    teammate_rep: object
    other_team_rep: object
    sales_manager: object
    leadership: object
    admin: object
    employee: object

    def by_role(self, role: str):
        return getattr(self, role)


@pytest.fixture
def cast(db) -> Cast:
    marketing_team = TeamFactory(name="Marketing", kind=TeamKind.MARKETING)
    north = TeamFactory(name="Sales North", kind=TeamKind.SALES)
    south = TeamFactory(name="Sales South", kind=TeamKind.SALES)
    return Cast(
        marketer=UserFactory(username="mia", role=Role.MARKETER, team=marketing_team),
        marketing_manager=UserFactory(
            username="max", role=Role.MARKETING_MANAGER, team=marketing_team
        ),
        sales_rep=UserFactory(username="sam", role=Role.SALES_REP, team=north),
        teammate_rep=UserFactory(
            username="tara", role=Role.SALES_REP, team=north, is_available_for_leads=False
        ),
        other_team_rep=UserFactory(
            username="otto", role=Role.SALES_REP, team=south, is_available_for_leads=False
        ),
        sales_manager=UserFactory(username="sue", role=Role.SALES_MANAGER, team=north),
        leadership=UserFactory(username="lea", role=Role.LEADERSHIP),
        admin=UserFactory(username="ada", role=Role.ADMIN, is_staff=True, is_superuser=False),
        employee=UserFactory(username="eve", role=Role.EMPLOYEE),
    )


@pytest.fixture
def lead_form(db) -> LeadForm:
    return LeadFormFactory(
        slug="demo",
        campaign=CampaignFactory(
            name="Spring webinar", utm_campaign="spring-webinar", channel="webinar"
        ),
    )


QUALIFYING = {
    "email": "ann@acme.test",
    "first_name": "Ann",
    "last_name": "Archer",
    "title": "VP Operations",
    "company": "Acme",
    "consent": "yes",
    "utm_source": "linkedin",
    "utm_medium": "paid_social",
    "utm_campaign": "spring-webinar",
}


@pytest.fixture
def submit(lead_form):
    """Submit the lead form as a visitor would, through the real service."""

    def _submit(client_address: str = "203.0.113.7", **overrides):
        return form_services.form_submit(
            form=lead_form, data={**QUALIFYING, **overrides}, client_address=client_address
        )

    return _submit


@pytest.fixture
def mql(cast, submit) -> Lead:
    """A qualifying form submission, handed off to the only available rep (sam)."""
    submit()
    return Lead.objects.select_related("contact").get(contact__email="ann@acme.test")


@pytest.fixture
def contact_of(db):
    def _get(email: str) -> Contact:
        return Contact.objects.get(email=email)

    return _get


@pytest.fixture
def smtp_inbox(settings):
    """Email goes over real SMTP to a server on loopback; the test reads what arrived."""
    from tests import smtp

    controller, inbox = smtp.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
