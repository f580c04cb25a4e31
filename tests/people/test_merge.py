"""Merging two contacts or two accounts: everything moves, nothing is lost, refusals say why."""

from __future__ import annotations

import datetime as dt
from itertools import count

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access import services as access
from tandem.audit.models import AuditEntry
from tandem.collaboration import services as collaboration
from tandem.collaboration import survey_services as surveys
from tandem.collaboration.models import (
    Comment,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
)
from tandem.core.business_events import BUSINESS_EVENT
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.people import relink, touches
from tandem.people import services as people
from tandem.people.merge import contact_merge
from tandem.people.models import (
    Consent,
    ConsentEntry,
    Contact,
    EmailAlias,
    LifecycleMove,
    Touch,
)
from tandem.people.selectors import contact_find
from tandem.sales import services as sales
from tandem.sales.models import Deal
from tandem.segments import services as segments
from tandem.segments.models import Segment, SegmentMember
from tests.api.conftest import Api

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
_serial = count(1)


def a_contact(cast, email: str, **fields) -> Contact:
    return people.contact_create(actor=cast.admin, email=email, **fields)


def a_list(cast, name: str) -> Segment:
    return segments.segment_create(actor=cast.admin, name=name, kind=Segment.Kind.STATIC)


def _rich(cast, contact: Contact, *, days_ago: int, survey, lists) -> None:
    """A contact with one of everything: touches, moves, consent, a deal, a lead, list
    memberships, a comment on them, a survey invitation and answer."""
    touches.touch_record(
        contact=contact,
        kind="page_visit",
        occurred_at=T0 - dt.timedelta(days=days_ago),
        utm={"source": f"source-{days_ago}", "medium": "cpc"},
    )
    touches.touch_record(contact=contact, kind="note", actor=cast.sales_rep, summary="Called")
    people.consent_record(
        contact=contact,
        channel="email",
        is_granted=True,
        source="form:demo",
        at=T0 - dt.timedelta(days=days_ago),
    )
    people.lifecycle_move(contact=contact, to_stage="lead", reason="asked for a demo")
    handoff.lead_hand_off(contact=contact)
    sales.deal_open(actor=cast.admin, name=f"{contact} deal", owner=cast.sales_rep, contact=contact)
    segments.segment_members_add(actor=cast.admin, segment=lists[0], contacts=[contact])
    collaboration.comment_add(actor=cast.marketer, target=contact, body=f"Met {contact} @sam")
    surveys.survey_answer(survey=survey, contact=contact, answers={"q1": 9})


@pytest.fixture
def survey(cast):
    made = surveys.survey_create(
        actor=cast.admin, title="Pulse", questions=[{"kind": "nps", "text": "Recommend us?"}]
    )
    return made


def _open(cast, survey, *contacts) -> None:
    for contact in contacts:
        people.consent_record(contact=contact, channel="email", is_granted=True, source="t")
    surveys.survey_send(actor=cast.admin, survey=survey, audience_type="prospect")
    survey.refresh_from_db()


def _rows_of(contact_id: int) -> dict[str, int]:
    return relink.references_count(Contact, contact_id)


def test_a_merge_moves_every_related_kind_to_the_kept_contact(cast, survey):
    # given Ann twice, each with touches, moves, consent, a deal, a lead of sam's, lists,
    # a comment, a survey invitation and answer
    ann = a_contact(cast, "ann@acme.test", first_name="Ann", last_name="Archer")
    anne = a_contact(cast, "ann.archer@acme.test", first_name="Anne", last_name="Archer")
    _open(cast, survey, ann, anne)
    shared, only_anne = a_list(cast, "Webinar guests"), a_list(cast, "Fair visitors")
    _rich(cast, ann, days_ago=3, survey=survey, lists=[shared])
    _rich(cast, anne, days_ago=30, survey=survey, lists=[shared])
    segments.segment_members_add(actor=cast.admin, segment=only_anne, contacts=[anne])
    heard = []
    BUSINESS_EVENT.listen(heard.append)

    # when Anne is merged into Ann
    try:
        result = contact_merge(user=cast.marketing_manager, kept=ann, merged=anne)
    finally:
        BUSINESS_EVENT.forget(heard.append)

    # then everything of Anne's is Ann's, and nothing points at Anne
    assert not Contact.objects.filter(pk=anne.pk).exists()
    assert _rows_of(anne.pk) == {}
    assert Touch.objects.filter(contact=ann).count() == 4
    assert LifecycleMove.objects.filter(contact=ann).count() == 6  # lead, MQL each
    assert Deal.objects.filter(contact=ann).count() == 2
    assert Comment.objects.filter(contact=ann).count() == 2
    assert SurveyResponse.objects.filter(contact=ann).count() == 2
    # one of each where a table allows one: the kept waiting lead, consent, invitation
    assert Lead.objects.filter(contact=ann).count() == 1
    assert Consent.objects.filter(contact=ann).count() == 1
    assert SurveyInvitation.objects.filter(contact=ann).count() == 1
    assert sorted(
        SegmentMember.objects.filter(contact=ann).values_list("segment__name", flat=True)
    ) == [
        "Fair visitors",
        "Webinar guests",
    ]
    assert dict(Segment.objects.values_list("name", "member_count")) == {
        "Webinar guests": 1,
        "Fair visitors": 1,
    }
    assert result.moved["people.Touch.contact"] == [2, 0]
    assert result.moved["handoff.Lead.contact"] == [0, 1]
    assert result.moved["segments.SegmentMember.contact"] == [1, 1]
    # the old address finds Ann, the audit names Anne's id, the other systems are told
    assert contact_find(email="ann.archer@acme.test") == ann
    entry = AuditEntry.objects.filter(record_type="people.contact", record_id=str(ann.pk)).first()
    assert entry.changes["merged_id"] == [None, anne.pk]
    assert entry.actor == cast.marketing_manager
    assert [(e.type, e.data["merged_id"]) for e in heard if e.type == "contact.merged"] == [
        ("contact.merged", anne.pk)
    ]


def test_first_touch_is_the_earlier_one_and_last_touch_the_later(cast):
    ann = a_contact(cast, "ann@acme.test")
    anne = a_contact(cast, "anne@acme.test")
    touches.touch_record(contact=ann, kind="page_visit", occurred_at=T0, utm={"source": "google"})
    touches.touch_record(
        contact=anne,
        kind="page_visit",
        occurred_at=T0 - dt.timedelta(days=40),
        utm={"source": "linkedin"},
    )
    touches.touch_record(
        contact=anne,
        kind="page_visit",
        occurred_at=T0 + dt.timedelta(days=1),
        utm={"source": "newsletter"},
    )

    contact_merge(user=cast.admin, kept=ann, merged=anne)

    ann.refresh_from_db()
    assert (ann.first_touch_source, ann.first_touch_at) == ("linkedin", T0 - dt.timedelta(days=40))
    assert (ann.last_touch_source, ann.last_touch_at) == ("newsletter", T0 + dt.timedelta(days=1))


def test_the_score_is_recomputed_from_both_contacts_touches(cast):
    ann = a_contact(cast, "ann@acme.test")
    anne = a_contact(cast, "anne@acme.test")
    for contact in (ann, anne):
        handoff.touch_log(contact=contact, kind="email_click", actor=cast.marketer)
    ann.refresh_from_db()
    alone = ann.score

    contact_merge(user=cast.admin, kept=ann, merged=anne)

    ann.refresh_from_db()
    assert ann.score > alone
    assert ann.score == handoff.contact_rescore(contact=ann)


def test_fields_are_chosen_one_by_one_and_the_unchosen_address_stays_findable(cast):
    # given two records of one person with different title, phone, custom values and ids
    ann = a_contact(cast, "ann@acme.test", first_name="Ann", title="Buyer", phone="")
    anne = a_contact(cast, "ann.archer@acme.test", first_name="Anne", title="Head of Buying")
    Contact.objects.filter(pk=ann.pk).update(custom={"budget": 100}, external_id="")
    Contact.objects.filter(pk=anne.pk).update(
        custom={"budget": 250, "shoe": "42"}, external_id="HS-9", phone="+49 30 1234"
    )
    ann.refresh_from_db()
    anne.refresh_from_db()

    # when the merge keeps Anne's title, budget and address, and Ann's first name
    contact_merge(
        user=cast.admin,
        kept=ann,
        merged=anne,
        choices={"title": "merged", "custom.budget": "merged", "email": "merged"},
    )

    # then blanks took the other's value, the chosen ones were taken, the rest kept
    ann.refresh_from_db()
    assert (ann.first_name, ann.title, ann.phone) == ("Ann", "Head of Buying", "+49 30 1234")
    assert ann.custom == {"budget": 250, "shoe": "42"}
    assert ann.external_id == "HS-9"
    assert ann.email == "ann.archer@acme.test"
    assert list(EmailAlias.objects.values_list("email", "contact_id", "merged_contact_id")) == [
        ("ann@acme.test", ann.pk, anne.pk)
    ]
    found, created = people.contact_upsert(actor=None, email="ANN@acme.test", via="form")
    assert (found, created) == (ann, False)
    entry = AuditEntry.objects.filter(record_id=str(ann.pk), action="update").first()
    assert entry.changes["title"] == ["Buyer", "Head of Buying"]
    assert entry.changes["merge_choices"][1]["email"] == "merged"


def test_audience_types_are_joined_by_default(cast):
    ann = a_contact(cast, "ann@acme.test", audience_types=["prospect"])
    anne = a_contact(cast, "anne@acme.test", audience_types=["media"])

    contact_merge(user=cast.admin, kept=ann, merged=anne)

    ann.refresh_from_db()
    assert ann.audience_types == ["prospect", "media"]


def test_choosing_the_merged_stage_records_a_lifecycle_move(cast):
    ann = a_contact(cast, "ann@acme.test")
    anne = a_contact(cast, "anne@acme.test")
    people.lifecycle_move(contact=anne, to_stage="lead")

    contact_merge(user=cast.admin, kept=ann, merged=anne, choices={"lifecycle_stage": "merged"})

    ann.refresh_from_db()
    assert ann.lifecycle_stage == "lead"
    move = LifecycleMove.objects.filter(contact=ann).order_by("-id").first()
    assert (move.from_stage, move.to_stage, move.reason) == (
        "subscriber",
        "lead",
        f"Merged with contact #{anne.pk}: their stage kept.",
    )


@pytest.mark.parametrize(
    ("choices", "field", "message"),
    [
        ({"title": "neither"}, "choices.title", "choose one of kept, merged"),
        ({"shoe_size": "kept"}, "choices.shoe_size", "no such field to choose"),
    ],
    ids=["unknown-side", "unknown-field"],
)
def test_a_bad_choice_is_refused_naming_it(cast, choices, field, message):
    ann = a_contact(cast, "ann@acme.test", title="Buyer")
    anne = a_contact(cast, "anne@acme.test", title="Head of Buying")

    with pytest.raises(InvalidInput) as refused:
        contact_merge(user=cast.admin, kept=ann, merged=anne, choices=choices)

    assert refused.value.errors == {field: message}
    assert Contact.objects.filter(pk=anne.pk).exists()


def test_the_newer_consent_wins(cast):
    ann = a_contact(cast, "ann@acme.test")
    anne = a_contact(cast, "anne@acme.test")
    people.consent_record(contact=ann, channel="email", is_granted=True, source="form", at=T0)
    people.consent_record(
        contact=anne,
        channel="email",
        is_granted=False,
        source="unsubscribe",
        at=T0 + dt.timedelta(1),
    )

    contact_merge(user=cast.admin, kept=ann, merged=anne)

    assert list(Consent.objects.filter(contact=ann).values_list("is_granted", "source")) == [
        (False, "unsubscribe")
    ]
    # and the consent log keeps both statements, now on the kept contact
    assert list(
        ConsentEntry.objects.filter(contact=ann).values_list("action", "source", "recorded_at")
    ) == [("declined", "unsubscribe", T0 + dt.timedelta(1)), ("granted", "form", T0)]


def test_two_open_leads_with_different_reps_refuse_the_merge_naming_both(cast):
    # given Ann's lead with sam and Anne's passed on to tara
    ann = a_contact(cast, "ann@acme.test", first_name="Ann", last_name="Archer")
    anne = a_contact(cast, "anne@acme.test", first_name="Anne", last_name="Archer")
    ours = handoff.lead_hand_off(contact=ann)
    theirs = handoff.lead_hand_off(contact=anne)
    Lead.objects.filter(pk=theirs.pk).update(assigned_to=cast.teammate_rep)

    with pytest.raises(InvalidInput) as refused:
        contact_merge(user=cast.admin, kept=ann, merged=anne)

    sam, tara = cast.sales_rep.get_full_name(), cast.teammate_rep.get_full_name()
    assert refused.value.errors == {
        "merge": f"Both contacts have an open lead with different reps: Ann Archer (#{ann.pk}) "
        f"with {sam} (lead #{ours.pk}) and Anne Archer (#{anne.pk}) with {tara} "
        f"(lead #{theirs.pk}). Reassign or close one of the leads first."
    }
    assert Contact.objects.filter(pk=anne.pk).exists()
    assert Lead.objects.filter(contact=anne).count() == 1


@pytest.mark.parametrize(
    ("role", "owner", "allowed"),
    [
        ("marketing_manager", None, True),
        ("admin", None, True),
        ("sales_rep", "sales_rep", True),
        ("sales_rep", "teammate_rep", False),
        ("sales_manager", "teammate_rep", True),
        ("marketer", None, False),
        ("leadership", None, False),
    ],
)
def test_who_may_merge_contacts(cast, role, owner, allowed):
    owner_user = cast.by_role(owner) if owner else None
    ann = a_contact(cast, "ann@acme.test", owner=owner_user)
    anne = a_contact(cast, "anne@acme.test", owner=owner_user)

    try:
        contact_merge(user=cast.by_role(role), kept=ann, merged=anne)
    except PermissionDenied as exc:
        assert not allowed, exc
        assert "may not merge" in str(exc)

    assert Contact.objects.filter(pk=anne.pk).exists() is not allowed


def test_anonymous_may_not_merge_and_nobody_merges_a_contact_with_itself(cast):
    ann = a_contact(cast, "ann@acme.test")
    anne = a_contact(cast, "anne@acme.test")

    with pytest.raises(PermissionDenied):
        contact_merge(user=AnonymousUser(), kept=ann, merged=anne)
    with pytest.raises(InvalidInput) as itself:
        contact_merge(user=cast.admin, kept=ann, merged=ann)

    assert itself.value.errors == {"merged_id": "a record cannot be merged with itself"}
    assert Contact.objects.count() == 2


# -- nothing lost, whatever the two contacts have --------------------------------------------

CHANNELS = ["email", "phone", "sms"]
LISTS = ["A", "B", "C"]
side = st.fixed_dictionaries(
    {
        "touches": st.integers(0, 3),
        "moves": st.integers(0, 1),
        "comments": st.integers(0, 2),
        "consents": st.sets(st.sampled_from(CHANNELS)),
        "lists": st.sets(st.sampled_from(LISTS)),
        "deals": st.integers(0, 1),
        # a lead handed off: none, one still waiting (for the account owner), one rejected
        "lead": st.sampled_from(["none", "waiting", "rejected"]),
        "answers": st.integers(0, 2),  # surveys answered, of the two open ones
    }
)


def _build(
    cast, contact: Contact, spec: dict, lists: dict[str, Segment], pulses: list | None = None
) -> None:
    for i in range(spec["touches"]):
        touches.touch_record(contact=contact, kind="note", occurred_at=T0 + dt.timedelta(hours=i))
    if spec["moves"]:
        people.lifecycle_move(contact=contact, to_stage="lead")
    for _ in range(spec["comments"]):
        collaboration.comment_add(actor=cast.admin, target=contact, body="Noted")
    for channel in spec["consents"]:
        people.consent_record(contact=contact, channel=channel, is_granted=True, source="t")
    for name in spec["lists"]:
        segments.segment_members_add(actor=cast.admin, segment=lists[name], contacts=[contact])
    # the hand-off before the deal: a deal makes them an opportunity, past an MQL
    if spec.get("lead", "none") != "none":
        lead = handoff.lead_hand_off(contact=contact)
        if spec["lead"] == "rejected":
            handoff.lead_reject(actor=cast.admin, lead=lead, reason="not_ready")
    for _ in range(spec["deals"]):
        sales.deal_open(actor=cast.admin, name="Deal", owner=cast.sales_rep, contact=contact)
    for pulse in (pulses or [])[: spec.get("answers", 0)]:
        surveys.survey_answer(survey=pulse, contact=contact, answers={"q1": 8})


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ours=side, theirs=side)
def test_after_a_merge_the_kept_contact_has_the_sum_less_true_duplicates(cast, ours, theirs):
    # given two contacts with random related rows (fresh ones per example)
    n = next(_serial)
    lists = {name: a_list(cast, f"{name}{n}") for name in LISTS}
    pulses = [_open_survey(cast, f"Pulse {n}.{i}") for i in range(2)]
    # one account, owned by a rep: both waiting leads go to that rep, so the merge may go on
    account = people.account_create(actor=cast.admin, name=f"Acme {n}", owner=cast.sales_rep)
    kept = a_contact(cast, f"kept{n}@acme.test", account=account)
    merged = a_contact(cast, f"merged{n}@acme.test", account=account)
    _build(cast, kept, ours, lists, pulses)
    _build(cast, merged, theirs, lists, pulses)
    before_kept, before_merged = _rows_of(kept.pk), _rows_of(merged.pk)
    shared_segments = set.intersection(
        *(
            set(SegmentMember.objects.filter(contact=c).values_list("segment_id", flat=True))
            for c in (kept, merged)
        )
    )

    # when they are merged
    result = contact_merge(user=cast.admin, kept=kept, merged=merged)

    # then nothing points at the merged one, and the kept one has the sum of both less the
    # rows a unique rule allows once (a channel's consent, a list's membership), no more
    after = _rows_of(kept.pk)
    assert _rows_of(merged.pk) == {}
    # (read before the merge: a rejected lead also puts each in the nurture segment)
    expected_dropped = {
        "people.Consent.contact": len(ours["consents"] & theirs["consents"]),
        "segments.SegmentMember.contact": len(shared_segments),
        # one waiting lead per contact: the kept one's stays
        "handoff.Lead.contact": int(ours["lead"] == theirs["lead"] == "waiting"),
    }
    for label in set(before_kept) | set(before_merged):
        dropped = result.moved.get(label, [0, 0])[1]
        assert dropped == expected_dropped.get(label, 0), label
        total = before_kept.get(label, 0) + before_merged.get(label, 0) - dropped
        assert after.get(label, 0) == total, label
    for segment in lists.values():
        segment.refresh_from_db()
        assert segment.member_count == SegmentMember.objects.filter(segment=segment).count()
    # and each kind the issue names is among what was counted, where either side had some
    sides = (ours, theirs)
    assert after.get("people.Touch.contact", 0) == ours["touches"] + theirs["touches"]
    assert after.get("collaboration.Comment.contact", 0) == ours["comments"] + theirs["comments"]
    assert after.get("sales.Deal.contact", 0) == ours["deals"] + theirs["deals"]
    assert after.get("collaboration.SurveyResponse.contact", 0) == sum(s["answers"] for s in sides)
    leads = sum(s["lead"] != "none" for s in sides) - expected_dropped["handoff.Lead.contact"]
    assert after.get("handoff.Lead.contact", 0) == leads
    assert after.get("people.LifecycleMove.contact", 0) == sum(
        before.get("people.LifecycleMove.contact", 0) for before in (before_kept, before_merged)
    )


def _open_survey(cast, title: str):
    """A survey taking answers. Opened in place: sending it would add an email consent to
    every contact, which the example's own consents must not get."""
    made = surveys.survey_create(
        actor=cast.admin, title=title, questions=[{"kind": "nps", "text": "Recommend us?"}]
    )
    Survey.objects.filter(pk=made.pk).update(status=SurveyStatus.OPEN)
    made.refresh_from_db()
    return made


def test_a_touch_batch_with_the_merged_address_lands_on_the_kept_contact(cast):
    ann = a_contact(cast, "ann@acme.test")
    anne = a_contact(cast, "anne@acme.test")
    contact_merge(user=cast.admin, kept=ann, merged=anne)
    _, raw = access.token_issue(user=cast.marketer, name="batch")

    response = Api(raw).post(
        "/touches:batch",
        {
            "items": [
                {
                    "client_id": "t-1",
                    "email": "anne@acme.test",
                    "kind": "page_visit",
                    "occurred_at": "2026-03-02T10:00:00Z",
                }
            ]
        },
    )

    assert response.json()["stored"] == 1
    assert Touch.objects.filter(contact=ann).count() == 1
