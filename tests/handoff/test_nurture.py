"""The nurture segment: recycling by hand on the contact page and in the API lands a contact
in it until a nurture date; when the date passes, marketing gets them back and rescores."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tandem.audit.models import AuditEntry
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.handoff.nurture import NURTURE_SEGMENT_NAME
from tandem.people import touches
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact, LifecycleMove
from tandem.segments.models import Segment, SegmentMember
from tests.api.conftest import fields_of
from tests.factories import ContactFactory


def _nurtured(contact) -> bool:
    return SegmentMember.objects.filter(
        contact=contact, segment__name=NURTURE_SEGMENT_NAME
    ).exists()


def _move(client, contact, **form):
    return client.post(reverse("people:contact_move", args=[contact.pk]), form)


def test_recycling_on_the_contact_page_nurtures_until_the_date_given(client, cast):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)
    client.force_login(cast.marketer)

    response = _move(
        client, contact, to_stage="recycled", reason="budget in Q3", nurture_until="2099-07-01"
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.lifecycle_stage, contact.nurture_until) == ("recycled", dt.date(2099, 7, 1))
    assert _nurtured(contact)
    assert Segment.objects.get(name=NURTURE_SEGMENT_NAME).member_count == 1
    entry = AuditEntry.objects.get(record_id=str(contact.pk), changes__has_key="nurture_until")
    assert entry.changes["nurture_until"] == [None, "2099-07-01"]
    assert entry.actor == cast.marketer
    page = client.get(reverse("people:contact", args=[contact.pk])).content.decode()
    assert "nurtured by marketing until 2099-07-01" in page
    assert "Nurtured until" in page


def test_recycling_on_the_page_without_a_date_nurtures_for_ninety_days(client, cast):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)
    client.force_login(cast.marketer)

    _move(client, contact, to_stage="recycled", reason="not now", nurture_until="")

    contact.refresh_from_db()
    assert contact.nurture_until == timezone.localdate() + dt.timedelta(days=90)
    assert _nurtured(contact)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"to_stage": "recycled", "reason": "x", "nurture_until": "2001-01-01"}, "nurture_until"),
        ({"to_stage": "recycled", "reason": "x", "nurture_until": "soon"}, "nurture_until"),
        ({"to_stage": "recycled", "reason": ""}, "to_stage"),
        ({"to_stage": "sal", "reason": "x", "nurture_until": "2099-01-01"}, "nurture_until"),
    ],
    ids=["past-date", "not-a-date", "no-reason", "date-without-recycling"],
)
def test_a_bad_move_is_shown_beside_its_field_and_changes_nothing(client, cast, form, field):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)
    client.force_login(cast.marketer)

    response = _move(client, contact, **form)

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="{field}-err"' in page and 'aria-invalid="true"' in page
    assert f'value="{form.get("reason", "")}"' in page
    contact.refresh_from_db()
    assert (contact.lifecycle_stage, contact.nurture_until) == ("mql", None)
    assert not _nurtured(contact)


def test_moving_a_recycled_contact_on_by_hand_ends_the_nurture(client, cast):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)
    handoff.contact_recycle(actor=cast.marketer, contact=contact, reason="later")
    client.force_login(cast.marketer)

    _move(client, contact, to_stage="lead", reason="asked for a demo")

    contact.refresh_from_db()
    assert (contact.lifecycle_stage, contact.nurture_until) == ("lead", None)
    assert not _nurtured(contact)


def test_a_rep_of_another_team_may_not_recycle_on_the_page(client, cast):
    contact = ContactFactory(lifecycle_stage=Stage.MQL, owner=cast.sales_rep)
    client.force_login(cast.other_team_rep)

    response = _move(client, contact, to_stage="recycled", reason="mine now")

    assert response.status_code == 403
    assert not _nurtured(contact)


def test_recycling_in_the_api_nurtures_until_the_date_given(api, cast):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)

    response = api("marketer").post(
        f"/contacts/{contact.pk}/lifecycle-moves",
        {"to_stage": "recycled", "reason": "budget in Q3", "nurture_until": "2099-07-01"},
    )

    assert response.status_code == 201
    assert (response.json()["from_stage"], response.json()["to_stage"]) == ("mql", "recycled")
    contact.refresh_from_db()
    assert contact.nurture_until == dt.date(2099, 7, 1)
    assert _nurtured(contact)


def test_recycling_in_the_api_without_a_date_nurtures_for_ninety_days(api, cast):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)

    api("marketer").post(
        f"/contacts/{contact.pk}/lifecycle-moves", {"to_stage": "recycled", "reason": "later"}
    )

    contact.refresh_from_db()
    assert contact.nurture_until == timezone.localdate() + dt.timedelta(days=90)
    assert _nurtured(contact)


@pytest.mark.parametrize(
    "body",
    [
        {"to_stage": "recycled", "reason": "x", "nurture_until": "2001-01-01"},
        {"to_stage": "recycled", "reason": "x", "nurture_until": "soon"},
        {"to_stage": "sal", "reason": "x", "nurture_until": "2099-01-01"},
    ],
    ids=["past-date", "not-a-date", "date-without-recycling"],
)
def test_a_bad_nurture_date_is_refused_naming_the_field(api, cast, body):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)

    response = api("marketer").post(f"/contacts/{contact.pk}/lifecycle-moves", body)

    assert response.status_code == 422
    assert fields_of(response) == ["nurture_until"]
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "mql"


def test_disqualifying_in_the_api_takes_the_contact_out_of_nurture(api, cast):
    contact = ContactFactory(lifecycle_stage=Stage.MQL)
    handoff.contact_recycle(actor=cast.marketer, contact=contact, reason="later")

    response = api("marketer").post(
        f"/contacts/{contact.pk}/lifecycle-moves",
        {"to_stage": "disqualified", "reason": "student"},
    )

    assert response.status_code == 201
    contact.refresh_from_db()
    assert (contact.lifecycle_stage, contact.nurture_until) == ("disqualified", None)
    assert not _nurtured(contact)
    assert Segment.objects.get(name=NURTURE_SEGMENT_NAME).member_count == 0


# --- When the nurture date passes -----------------------------------------------------------


def _nurture_ended_yesterday(contact) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Contact.objects.filter(pk=contact.pk).update(nurture_until=yesterday)


def test_a_passed_nurture_date_returns_the_contact_to_marketings_leads(cast, mql):
    handoff.lead_reject(actor=cast.sales_rep, lead=mql, reason="no_budget")
    contact = Contact.objects.get(pk=mql.contact_id)
    assert _nurtured(contact)
    _nurture_ended_yesterday(contact)

    counts = handoff.contacts_nurture_end()

    assert counts == {"ended": 1, "back_to_lead": 1, "handed_off": 0}
    contact.refresh_from_db()
    assert (contact.lifecycle_stage, contact.nurture_until) == ("lead", None)
    assert not _nurtured(contact)
    move = LifecycleMove.objects.filter(contact=contact).latest("moved_at", "id")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert (move.from_stage, move.to_stage, move.moved_by) == ("recycled", "lead", None)
    assert move.reason == f"nurture ended {yesterday:%Y-%m-%d}: back to marketing's active leads"
    entry = AuditEntry.objects.filter(
        record_id=str(contact.pk), actor_label="nurture", changes__has_key="nurture_until"
    ).get()
    assert entry.changes == {"nurture_until": [yesterday.isoformat(), None]}


def test_a_nurture_date_of_today_or_later_is_left_alone(cast, mql):
    handoff.lead_reject(actor=cast.sales_rep, lead=mql, reason="no_budget")
    Contact.objects.filter(pk=mql.contact_id).update(nurture_until=timezone.localdate())

    assert handoff.contacts_nurture_end() == {"ended": 0, "back_to_lead": 0, "handed_off": 0}
    assert _nurtured(mql.contact)


def test_a_contact_who_earned_the_threshold_while_nurtured_is_handed_off_again(cast, mql):
    handoff.lead_reject(actor=cast.sales_rep, lead=mql, reason="not_ready")
    contact = Contact.objects.get(pk=mql.contact_id)
    # Touches the hand-off did not react to yet (a batch import without hand-off).
    for kind in ("form_submission", "meeting"):
        touches.touch_record(contact=contact, kind=kind)
    _nurture_ended_yesterday(contact)

    counts = handoff.contacts_nurture_end()

    assert counts == {"ended": 1, "back_to_lead": 1, "handed_off": 1}
    contact.refresh_from_db()
    assert (contact.lifecycle_stage, contact.nurture_until) == ("mql", None)
    assert contact.score >= 50
    new_lead = Lead.objects.filter(contact=contact).latest("handed_off_at", "id")
    assert new_lead.pk != mql.pk and new_lead.status == Lead.Status.WAITING
    assert not _nurtured(contact)


def test_the_nurture_due_command_reports_what_it_did(cast, mql):
    handoff.lead_reject(actor=cast.sales_rep, lead=mql, reason="no_budget")
    _nurture_ended_yesterday(mql.contact)
    out = io.StringIO()

    call_command("nurture_due", stdout=out)

    assert out.getvalue().strip() == "1 nurtures ended, 1 back to lead, 0 handed off."
    assert Contact.objects.get(pk=mql.contact_id).nurture_until is None
