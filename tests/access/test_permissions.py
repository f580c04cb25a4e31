"""Every cell of the permission matrix, as behaviour.

For each resource × action × role, the user acts through the real selectors and services on a
record of their own, of a teammate's and of someone in another team, and the database shows
whether it happened. The expected answer of each cell comes from ``policies.MATRIX``;
``docs/permissions.md`` pins the matrix itself (see ``test_permissions_doc.py``) and the role
summaries at the end of this file pin what each role is for.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from tandem.access import policies
from tandem.access.policies import MATRIX, Scope
from tandem.access.roles import Role, TeamKind
from tandem.audit import events as audit
from tandem.audit.models import AuditEntry
from tandem.collaboration import survey_selectors
from tandem.collaboration import survey_services as surveys
from tandem.collaboration.models import Survey, SurveyStatus
from tandem.exports import selectors as export_selectors
from tandem.exports import services as export_services
from tandem.exports.models import CompanyExport
from tandem.fields import field_services
from tandem.fields.models import CustomField
from tandem.fields.services import custom_field_define
from tandem.handoff import rep_services
from tandem.handoff import selectors as handoff_selectors
from tandem.handoff import services as handoff
from tandem.handoff.models import IcpRule, Lead
from tandem.mailing import selectors as mailing_selectors
from tandem.mailing import services as mailing
from tandem.mailing import template_services, topic_services
from tandem.mailing.models import EmailRecipient, EmailSend, EmailTemplate, Suppression, Topic
from tandem.marketing import campaign_services, content, content_selectors, form_services
from tandem.marketing import selectors as marketing_selectors
from tandem.marketing.models import Campaign, ContentAsset, LeadForm
from tandem.people import selectors as people_selectors
from tandem.people import services as people
from tandem.people import touches
from tandem.people.models import Account, Contact, StageRule, Touch
from tandem.reports import services as reports
from tandem.reports.analyses import report_type
from tandem.reports.models import ReportRun
from tandem.sales import activity_selectors, activity_services, playbook_services, review_services
from tandem.sales import selectors as sales_selectors
from tandem.sales import services as sales
from tandem.sales.models import Activity, Deal, FitReview
from tandem.segments import selectors as segment_selectors
from tandem.segments import services as segments
from tandem.segments.models import Segment
from tests.factories import AccountFactory, CampaignFactory, TeamFactory, UserFactory

WHOSE = ("own", "teammate", "other_team")
NOTES = "Champion leaves in June; push for Q2."
_serial = itertools.count(1)


@dataclass
class World:
    """The cast, with every role in a team and a teammate for each, and a way in for each."""

    cast: Any
    teammates: dict[str, Any]
    clients: dict[int, Client] = field(default_factory=dict)

    def actor(self, role: str):
        return self.cast.by_role(role)

    def owner(self, role: str, whose: str):
        return {
            "own": self.actor(role),
            "teammate": self.teammates[role],
            "other_team": self.cast.other_team_rep,
        }[whose]

    def client(self, user) -> Client:
        """A browser session for ``user`` (anonymous when they are not signed in)."""
        key = id(user)
        if key not in self.clients:
            client = Client()
            if getattr(user, "pk", None):
                client.force_login(user)
            self.clients[key] = client
        return self.clients[key]


@pytest.fixture
def world(cast) -> World:
    # Leadership, admin and employee have no team in the shared cast; give each a teammate so
    # "own" and "team" scopes are tested apart for every role.
    leadership = TeamFactory(name="Leadership", kind=TeamKind.LEADERSHIP)
    operations = TeamFactory(name="Operations", kind=TeamKind.OTHER)
    for user, team in (
        (cast.leadership, leadership),
        (cast.admin, operations),
        (cast.employee, operations),
    ):
        user.team = team
        user.save(update_fields=["team"])
    teammates = {
        Role.MARKETER: cast.marketing_manager,
        Role.MARKETING_MANAGER: cast.marketer,
        Role.SALES_REP: cast.teammate_rep,
        Role.SALES_MANAGER: cast.sales_rep,
        Role.LEADERSHIP: UserFactory(username="leo", role=Role.LEADERSHIP, team=leadership),
        Role.ADMIN: cast.employee,
        Role.EMPLOYEE: cast.admin,
    }
    return World(cast=cast, teammates={str(k): v for k, v in teammates.items()})


# -- records, built through the services by an admin and owned by whoever the cell needs ----


def _email() -> str:
    return f"person{next(_serial)}@bolt.test"


def an_account(w: World, owner) -> Account:
    return people.account_create(actor=w.cast.admin, name="Bolt", domain="bolt.test", owner=owner)


def a_contact(w: World, owner) -> Contact:
    return people.contact_create(actor=w.cast.admin, email=_email(), owner=owner)


def a_touch(w: World, owner) -> Touch:
    # touch_record, not touch_log: leadership may not log touches, yet a cell needs one of theirs.
    contact = a_contact(w, None)
    return touches.touch_record(contact=contact, kind="meeting", actor=owner, summary="Fair")


def a_campaign(w: World, owner) -> Campaign:
    return CampaignFactory(owner=owner)


def a_lead_form(w: World, owner) -> LeadForm:
    return LeadForm.objects.create(name="Form", slug=f"form-{next(_serial)}", owner=owner)


def an_asset(w: World, owner) -> ContentAsset:
    return ContentAsset.objects.create(
        title="Asset", kind="deck", link="https://cdn.test/a", owner=owner
    )


def a_lead(w: World, owner) -> Lead:
    lead = handoff.lead_hand_off(contact=a_contact(w, None))
    # No reassignment service exists yet; this stands in for a manager handing the lead on.
    Lead.objects.filter(pk=lead.pk).update(assigned_to=owner)
    return handoff_selectors.lead_get_for_user(user=w.cast.admin, lead_id=lead.pk)


def a_deal(w: World, owner, notes: str = "") -> Deal:
    deal = sales.deal_open(actor=w.cast.admin, name="Bolt — new business", owner=owner, amount=900)
    if notes:
        sales.deal_notes_update(actor=w.cast.admin, deal=deal, notes=notes)
    return sales_selectors.deal_get_for_user(user=w.cast.admin, deal_id=deal.pk)


def a_survey(w: World, owner, answered: bool = False) -> Survey:
    survey = surveys.survey_create(
        actor=w.cast.admin, title="Pulse", questions=[{"kind": "nps", "text": "Recommend us?"}]
    )
    if answered:
        surveys.survey_send(actor=w.cast.admin, survey=survey, audience_type="customer")
        survey.refresh_from_db()
        surveys.survey_answer(survey=survey, contact=a_contact(w, None), answers={"q1": 9})
    # No hand-over service exists; this stands in for a survey built by ``owner``.
    Survey.objects.filter(pk=survey.pk).update(owner=owner)
    return Survey.objects.get(pk=survey.pk)


_segment_names = itertools.count(1)
EVERYONE_SCORED = {"match": "all", "conditions": [{"type": "score", "op": "gte", "value": 0}]}


def a_segment(w: World, owner) -> Segment:
    return Segment.objects.create(
        name=f"Probe segment {next(_segment_names)}", rule=EVERYONE_SCORED, owner=owner
    )


def an_email_template(w: World, owner) -> EmailTemplate:
    template = template_services.template_create(
        actor=w.cast.admin,
        name=f"Invite {next(_serial)}",
        subject="Hi {{ contact.first_name }}",
        html_body="<p>Hi</p>",
        text_body="Hi",
    )
    EmailTemplate.objects.filter(pk=template.pk).update(owner=owner)
    return EmailTemplate.objects.get(pk=template.pk)


def an_email_send(w: World, owner) -> EmailSend:
    send = mailing.send_create(
        actor=w.cast.admin,
        name=f"Send {next(_serial)}",
        template=an_email_template(w, None),
        segments=[Segment.objects.create(name=f"Seg {next(_serial)}")],
    )
    EmailSend.objects.filter(pk=send.pk).update(owner=owner)
    return EmailSend.objects.get(pk=send.pk)


def an_email_topic(w: World, owner) -> Topic:
    return topic_services.topic_create(actor=w.cast.admin, name=f"Topic {next(_serial)}")


def an_uncertain_recipient(w: World, owner) -> EmailRecipient:
    """A recipient the engine left uncertain: its worker stopped between SMTP and *sent*."""
    contact = a_contact(w, None)
    return EmailRecipient.objects.create(
        send=an_email_send(w, None), contact=contact, email=contact.email, state="uncertain"
    )


def a_suppression(w: World, owner) -> Suppression:
    suppression = mailing.suppression_add(email=_email(), reason="manual")
    Suppression.objects.filter(pk=suppression.pk).update(created_by=owner)
    return Suppression.objects.get(pk=suppression.pk)


def an_audit_entry(w: World, owner) -> AuditEntry:
    return audit.record_created(actor=owner, obj=AccountFactory(name="Probe Ltd"), via="test")


def _door(response) -> None:
    """A door answers 403 (or sends to a login page) where its view raised PermissionDenied."""
    refused = response.status_code == 403 or (
        response.status_code == 302 and "/login/" in response["Location"]
    )
    if refused:
        raise PermissionDenied(f"{response.status_code} from the door")


def _audit_page_lists(client: Client, label: str) -> bool:
    page = client.get("/audit/")
    return page.status_code == 200 and label in page.content.decode()


# -- what each action is, for each resource ---------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How to try one action on one kind of record, and how to tell that it happened.

    ``arrange(world, owner)`` builds the record owned by ``owner`` (for creates: what the new
    record hangs on); ``act(world, actor, record)`` tries the action and raises
    PermissionDenied or Http404 when refused; ``happened(world, actor, record)`` reads the
    database. ``raises=False`` for reads that hide instead of refusing (private notes).
    """

    arrange: Callable[[World, Any], Any]
    act: Callable[[World, Any, Any], Any]
    happened: Callable[[World, Any, Any], bool]
    whose: tuple[str, ...] = WHOSE
    raises: bool = True


def _exists(model, **lookup) -> bool:
    return model.objects.filter(**lookup).exists()


SPECS: dict[tuple[str, str], Spec] = {
    ("account", "view"): Spec(
        an_account,
        lambda w, a, r: people_selectors.account_get_for_user(user=a, account_id=r.pk),
        lambda w, a, r: people_selectors.accounts_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("account", "create"): Spec(
        lambda w, owner: owner,
        lambda w, a, owner: people.account_create(actor=a, name="Newco", owner=owner),
        lambda w, a, owner: _exists(Account, name="Newco", owner=owner),
    ),
    ("account", "change"): Spec(
        an_account,
        lambda w, a, r: people.account_update(actor=a, account=r, industry="Robotics"),
        lambda w, a, r: Account.objects.get(pk=r.pk).industry == "Robotics",
    ),
    ("account", "delete"): Spec(
        an_account,
        lambda w, a, r: people.account_delete(actor=a, account=r),
        lambda w, a, r: not _exists(Account, pk=r.pk),
    ),
    ("contact", "view"): Spec(
        a_contact,
        lambda w, a, r: people_selectors.contact_get_for_user(user=a, contact_id=r.pk),
        lambda w, a, r: people_selectors.contacts_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("contact", "create"): Spec(
        lambda w, owner: owner,
        lambda w, a, owner: people.contact_create(actor=a, email="new@bolt.test", owner=owner),
        lambda w, a, owner: _exists(Contact, email="new@bolt.test", owner=owner),
    ),
    ("contact", "change"): Spec(
        a_contact,
        lambda w, a, r: people.contact_update(actor=a, contact=r, title="Chief Buyer"),
        lambda w, a, r: Contact.objects.get(pk=r.pk).title == "Chief Buyer",
    ),
    ("contact", "delete"): Spec(
        a_contact,
        lambda w, a, r: people.contact_delete(actor=a, contact=r),
        lambda w, a, r: not _exists(Contact, pk=r.pk),
    ),
    ("touch", "view"): Spec(
        a_touch,
        lambda w, a, r: people_selectors.touch_get_for_user(user=a, touch_id=r.pk),
        lambda w, a, r: people_selectors.touches_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("touch", "create"): Spec(
        a_contact,  # a touch with a contact owned by whoever the cell names
        lambda w, a, c: handoff.touch_log(contact=c, kind="note", actor=a, summary="Said hi"),
        lambda w, a, c: _exists(Touch, contact=c, summary="Said hi"),
    ),
    ("touch", "change"): Spec(
        a_touch,
        lambda w, a, r: people.touch_update(actor=a, touch=r, summary="Trade fair, booth 4"),
        lambda w, a, r: Touch.objects.get(pk=r.pk).summary == "Trade fair, booth 4",
    ),
    ("touch", "delete"): Spec(
        a_touch,
        lambda w, a, r: handoff.touch_delete(actor=a, touch=r),
        lambda w, a, r: not _exists(Touch, pk=r.pk),
    ),
    ("campaign", "view"): Spec(
        a_campaign,
        lambda w, a, r: marketing_selectors.campaign_get_for_user(user=a, campaign_id=r.pk),
        lambda w, a, r: marketing_selectors.campaigns_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("campaign", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: campaign_services.campaign_create(
            actor=a, name="Autumn fair", channel="events"
        ),
        lambda w, a, _: _exists(Campaign, name="Autumn fair"),
        whose=("any",),  # a new campaign is always its creator's
    ),
    ("campaign", "change"): Spec(
        a_campaign,
        lambda w, a, r: campaign_services.campaign_update(actor=a, campaign=r, name="Spring fair"),
        lambda w, a, r: Campaign.objects.get(pk=r.pk).name == "Spring fair",
    ),
    ("campaign", "delete"): Spec(
        a_campaign,
        lambda w, a, r: campaign_services.campaign_delete(actor=a, campaign=r),
        lambda w, a, r: not _exists(Campaign, pk=r.pk),
    ),
    # -- marketing workspace: lead forms and content assets --
    ("lead_form", "view"): Spec(
        a_lead_form,
        lambda w, a, r: marketing_selectors.form_get_for_user(user=a, form_id=r.pk),
        lambda w, a, r: marketing_selectors.forms_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("lead_form", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: form_services.form_create(actor=a, name="Fair sign-up"),
        lambda w, a, _: _exists(LeadForm, name="Fair sign-up"),
        whose=("any",),
    ),
    ("lead_form", "change"): Spec(
        a_lead_form,
        lambda w, a, r: form_services.form_update(actor=a, form=r, name="Renamed form"),
        lambda w, a, r: LeadForm.objects.get(pk=r.pk).name == "Renamed form",
    ),
    ("lead_form", "delete"): Spec(
        a_lead_form,
        lambda w, a, r: form_services.form_delete(actor=a, form=r),
        lambda w, a, r: not _exists(LeadForm, pk=r.pk),
    ),
    ("content_asset", "view"): Spec(
        an_asset,
        lambda w, a, r: content_selectors.asset_get_for_user(user=a, asset_id=r.pk),
        lambda w, a, r: content_selectors.assets_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("content_asset", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: content.asset_create(
            actor=a, title="Plant deck", kind="deck", link="https://cdn.test/deck"
        ),
        lambda w, a, _: _exists(ContentAsset, title="Plant deck"),
        whose=("any",),
    ),
    ("content_asset", "change"): Spec(
        an_asset,
        lambda w, a, r: content.asset_update(actor=a, asset=r, title="Retitled"),
        lambda w, a, r: ContentAsset.objects.get(pk=r.pk).title == "Retitled",
    ),
    ("content_asset", "delete"): Spec(
        an_asset,
        lambda w, a, r: content.asset_delete(actor=a, asset=r),
        lambda w, a, r: not _exists(ContentAsset, pk=r.pk),
    ),
    ("lead", "view"): Spec(
        a_lead,
        lambda w, a, r: handoff_selectors.lead_get_for_user(user=a, lead_id=r.pk),
        lambda w, a, r: handoff_selectors.leads_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("lead", "create"): Spec(
        a_contact,  # handing off a contact owned by whoever the cell names
        lambda w, a, c: handoff.lead_hand_off(contact=c, actor=a),
        lambda w, a, c: _exists(Lead, contact=c),
    ),
    ("lead", "change"): Spec(
        a_lead,
        lambda w, a, r: handoff.lead_accept(actor=a, lead=r),
        lambda w, a, r: Lead.objects.get(pk=r.pk).status == Lead.Status.ACCEPTED,
    ),
    ("lead", "delete"): Spec(
        a_lead,
        lambda w, a, r: handoff.lead_delete(actor=a, lead=r),
        lambda w, a, r: not _exists(Lead, pk=r.pk),
    ),
    # The hand-off's set-up (scoring and routing rules) and the lifecycle's entry rules.
    ("handoff_setup", "view"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _door(w.client(a).get("/leads/setup/")),
        lambda w, a, _: w.client(a).get("/leads/setup/").status_code == 200,
        whose=("any",),
    ),
    ("handoff_setup", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: handoff.icp_rule_save(
            actor=a,
            kind="field_in",
            field="account.region",
            values=["EMEA"],
            points=5,
            label="probe",
        ),  # fmt: skip
        lambda w, a, _: _exists(IcpRule, label="probe"),
        whose=("any",),
    ),
    ("handoff_setup", "change"): Spec(
        lambda w, owner: IcpRule.objects.create(
            kind="field_in", field="account.region", values=["EMEA"], points=5, label="probe"
        ),
        lambda w, a, r: handoff.icp_rule_save(
            actor=a, rule=r, kind=r.kind, field=r.field, values=r.values, points=9, label="probe"
        ),
        lambda w, a, r: IcpRule.objects.get(pk=r.pk).points == 9,
        whose=("any",),
    ),
    ("handoff_setup", "delete"): Spec(
        lambda w, owner: IcpRule.objects.create(
            kind="field_in", field="account.region", values=["EMEA"], points=5, label="probe"
        ),
        lambda w, a, r: handoff.icp_rule_delete(actor=a, rule=r),
        lambda w, a, r: not _exists(IcpRule, pk=r.pk),
        whose=("any",),
    ),
    ("lifecycle_setup", "view"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _door(w.client(a).get("/leads/setup/")),
        lambda w, a, _: w.client(a).get("/leads/setup/").status_code == 200,
        whose=("any",),
    ),
    ("lifecycle_setup", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: handoff.stage_rule_save(actor=a, stage="sql", requires_reason=True),
        lambda w, a, _: _exists(StageRule, stage="sql"),
        whose=("any",),
    ),
    ("lifecycle_setup", "change"): Spec(
        lambda w, owner: StageRule.objects.create(stage="sql"),
        lambda w, a, r: handoff.stage_rule_save(actor=a, stage="sql", requires_reason=True),
        lambda w, a, r: StageRule.objects.get(pk=r.pk).requires_reason,
        whose=("any",),
    ),
    ("lifecycle_setup", "delete"): Spec(
        lambda w, owner: StageRule.objects.create(stage="sql"),
        lambda w, a, r: handoff.stage_rule_delete(actor=a, rule=r),
        lambda w, a, r: not _exists(StageRule, pk=r.pk),
        whose=("any",),
    ),
    ("custom_field", "view"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _door(w.client(a).get("/settings/fields/")),
        lambda w, a, _: w.client(a).get("/settings/fields/").status_code == 200,
        whose=("any",),
    ),
    ("custom_field", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: field_services.custom_field_create(
            actor=a, entity="contact", label="Plants", kind="number"
        ),
        lambda w, a, _: _exists(CustomField, key="plants"),
        whose=("any",),
    ),
    ("custom_field", "change"): Spec(
        lambda w, owner: custom_field_define(entity="contact", label="Plants", kind="number"),
        lambda w, a, r: field_services.custom_field_update(actor=a, field=r, label="Sites"),
        lambda w, a, r: CustomField.objects.get(pk=r.pk).label == "Sites",
        whose=("any",),
    ),
    ("custom_field", "delete"): Spec(
        lambda w, owner: custom_field_define(entity="contact", label="Plants", kind="number"),
        lambda w, a, r: field_services.custom_field_archive(actor=a, field=r),
        lambda w, a, r: CustomField.objects.get(pk=r.pk).is_archived,
        whose=("any",),
    ),
    # A rep's lead capacity and away flag: the record is the person.
    ("rep_availability", "view"): Spec(
        lambda w, owner: owner,
        lambda w, a, r: handoff_selectors.rep_get_for_user(user=a, rep_id=r.pk),
        lambda w, a, r: handoff_selectors.people_for_capacity(user=a).filter(pk=r.pk).exists(),
    ),
    ("rep_availability", "change"): Spec(
        lambda w, owner: owner,
        lambda w, a, r: rep_services.rep_availability_set(actor=a, rep=r, lead_capacity=7),
        lambda w, a, r: type(r).objects.get(pk=r.pk).lead_capacity == 7,
    ),
    ("deal", "view"): Spec(
        a_deal,
        lambda w, a, r: sales_selectors.deal_get_for_user(user=a, deal_id=r.pk),
        lambda w, a, r: sales_selectors.deals_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("deal", "create"): Spec(
        lambda w, owner: owner,
        lambda w, a, owner: sales.deal_open(actor=a, name="Expansion", owner=owner),
        lambda w, a, owner: _exists(Deal, name="Expansion", owner=owner),
    ),
    ("deal", "change"): Spec(
        a_deal,
        lambda w, a, r: sales.deal_close_won(actor=a, deal=r),
        lambda w, a, r: Deal.objects.get(pk=r.pk).stage.outcome == "won",
    ),
    ("deal", "delete"): Spec(
        a_deal,
        lambda w, a, r: sales.deal_delete(actor=a, deal=r),
        lambda w, a, r: not _exists(Deal, pk=r.pk),
    ),
    ("deal_private_notes", "view"): Spec(
        lambda w, owner: a_deal(w, owner, notes=NOTES),
        lambda w, a, r: None,
        lambda w, a, r: sales_selectors.deal_private_notes_for(user=a, deal=r) == NOTES,
        raises=False,  # the deal shows; the notes are None
    ),
    ("deal_private_notes", "create"): Spec(
        a_deal,
        lambda w, a, r: sales.deal_notes_update(actor=a, deal=r, notes=NOTES),
        lambda w, a, r: Deal.objects.get(pk=r.pk).private_notes == NOTES,
    ),
    ("deal_private_notes", "change"): Spec(
        lambda w, owner: a_deal(w, owner, notes=NOTES),
        lambda w, a, r: sales.deal_notes_update(actor=a, deal=r, notes="Champion stays."),
        lambda w, a, r: Deal.objects.get(pk=r.pk).private_notes == "Champion stays.",
    ),
    ("deal_private_notes", "delete"): Spec(
        lambda w, owner: a_deal(w, owner, notes=NOTES),
        lambda w, a, r: sales.deal_notes_update(actor=a, deal=r, notes=""),
        lambda w, a, r: Deal.objects.get(pk=r.pk).private_notes == "",
    ),
    # Viewing a survey means reading its individual answers; sales' aggregate-only reading is
    # tested in tests/collaboration/test_surveys.py.
    ("survey", "view"): Spec(
        lambda w, owner: a_survey(w, owner, answered=True),
        lambda w, a, r: survey_selectors.survey_responses_for_user(user=a, survey=r),
        lambda w, a, r: survey_selectors.responses_for_user(user=a).filter(survey=r).exists(),
    ),
    ("survey", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: surveys.survey_create(
            actor=a, title="Autumn pulse", questions=[{"kind": "text", "text": "How are we?"}]
        ),
        lambda w, a, _: _exists(Survey, title="Autumn pulse"),
        whose=("any",),  # a new survey is always its creator's
    ),
    ("survey", "change"): Spec(
        a_survey,
        lambda w, a, r: surveys.survey_close(actor=a, survey=r),
        lambda w, a, r: Survey.objects.get(pk=r.pk).status == SurveyStatus.CLOSED,
    ),
    ("survey", "delete"): Spec(
        a_survey,
        lambda w, a, r: surveys.survey_delete(actor=a, survey=r),
        lambda w, a, r: not _exists(Survey, pk=r.pk),
    ),
    ("segment", "view"): Spec(
        a_segment,
        lambda w, a, r: segment_selectors.segment_get_for_user(user=a, segment_id=r.pk),
        lambda w, a, r: segment_selectors.segments_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("segment", "create"): Spec(
        lambda w, owner: owner,
        lambda w, a, _: segments.segment_create(actor=a, name="New list", kind="static"),
        lambda w, a, _: _exists(Segment, name="New list"),
        whose=("any",),  # a new segment is always its creator's
    ),
    ("segment", "change"): Spec(
        a_segment,
        lambda w, a, r: segments.segment_update(actor=a, segment=r, description="Renamed"),
        lambda w, a, r: Segment.objects.get(pk=r.pk).description == "Renamed",
    ),
    ("segment", "delete"): Spec(
        a_segment,
        lambda w, a, r: segments.segment_delete(actor=a, segment=r),
        lambda w, a, r: not _exists(Segment, pk=r.pk),
    ),
    ("email_template", "view"): Spec(
        an_email_template,
        lambda w, a, r: mailing_selectors.template_get_for_user(user=a, template_id=r.pk),
        lambda w, a, r: mailing_selectors.templates_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("email_template", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: template_services.template_create(
            actor=a, name="New invite", subject="Hi", html_body="<p>Hi</p>", text_body="Hi"
        ),
        lambda w, a, _: _exists(EmailTemplate, name="New invite"),
        whose=("any",),
    ),
    ("email_template", "change"): Spec(
        an_email_template,
        lambda w, a, r: template_services.template_update(
            actor=a, template=r, name=r.name, subject="Changed", html_body="h", text_body="t"
        ),
        lambda w, a, r: EmailTemplate.objects.get(pk=r.pk).subject == "Changed",
    ),
    ("email_template", "delete"): Spec(
        an_email_template,
        lambda w, a, r: template_services.template_delete(actor=a, template=r),
        lambda w, a, r: not _exists(EmailTemplate, pk=r.pk),
    ),
    ("email_send", "view"): Spec(
        an_email_send,
        lambda w, a, r: mailing_selectors.send_get_for_user(user=a, send_id=r.pk),
        lambda w, a, r: mailing_selectors.sends_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("email_send", "create"): Spec(
        lambda w, owner: an_email_template(w, None),
        lambda w, a, t: mailing.send_create(
            actor=a,
            name="New send",
            template=t,
            segments=[Segment.objects.create(name=f"Seg {next(_serial)}")],
        ),
        lambda w, a, t: _exists(EmailSend, name="New send"),
        whose=("any",),
    ),
    ("email_send", "change"): Spec(
        an_email_send,
        lambda w, a, r: mailing.send_start(actor=a, send=r),
        lambda w, a, r: EmailSend.objects.get(pk=r.pk).status == "sending",
    ),
    ("email_send", "delete"): Spec(
        an_email_send,
        lambda w, a, r: mailing.send_delete(actor=a, send=r),
        lambda w, a, r: not _exists(EmailSend, pk=r.pk),
    ),
    # Topics are company set-up: no owner, all or nothing. Nobody deletes one (archive it).
    ("email_topic", "view"): Spec(
        an_email_topic,
        lambda w, a, r: mailing_selectors.topic_get_for_user(user=a, topic_id=r.pk),
        lambda w, a, r: mailing_selectors.topics_for_user(user=a).filter(pk=r.pk).exists(),
        whose=("any",),
    ),
    ("email_topic", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: topic_services.topic_create(actor=a, name="Probe topic"),
        lambda w, a, _: _exists(Topic, name="Probe topic"),
        whose=("any",),
    ),
    ("email_topic", "change"): Spec(
        an_email_topic,
        lambda w, a, r: topic_services.topic_archive(actor=a, topic=r),
        lambda w, a, r: Topic.objects.get(pk=r.pk).is_archived,
        whose=("any",),
    ),
    ("email_topic", "delete"): Spec(
        an_email_topic,
        lambda w, a, r: _door(
            w.client(a).post("/mail/topics/", {"action": "delete", "topic": r.pk})
        ),
        lambda w, a, r: not _exists(Topic, pk=r.pk),
        whose=("any",),
        raises=False,  # no door deletes a topic: its page answers 404 to anyone who may view
    ),
    # Recipient rows are written by the engine only; settling an uncertain one is a change.
    ("email_recipient", "view"): Spec(
        an_uncertain_recipient,
        lambda w, a, r: mailing_selectors.recipient_get_for_user(
            user=a, send=r.send, recipient_id=r.pk
        ),
        lambda w, a, r: mailing_selectors.recipients_for_user(user=a).filter(pk=r.pk).exists(),
        whose=("any",),
    ),
    ("email_recipient", "create"): Spec(
        lambda w, owner: an_email_send(w, None),
        lambda w, a, send: None,  # no door adds a recipient: the engine materialises them
        lambda w, a, send: _exists(EmailRecipient, send=send),
        whose=("any",),
        raises=False,
    ),
    ("email_recipient", "change"): Spec(
        an_uncertain_recipient,
        lambda w, a, r: mailing.recipient_settle(actor=a, recipient=r, outcome="sent"),
        lambda w, a, r: EmailRecipient.objects.get(pk=r.pk).state == "sent",
        whose=("any",),
    ),
    ("email_recipient", "delete"): Spec(
        an_uncertain_recipient,
        lambda w, a, r: None,  # no door deletes one: they go with their send
        lambda w, a, r: not _exists(EmailRecipient, pk=r.pk),
        whose=("any",),
        raises=False,
    ),
    ("suppression", "view"): Spec(
        a_suppression,
        lambda w, a, r: mailing_selectors.suppression_get_for_user(user=a, suppression_id=r.pk),
        lambda w, a, r: mailing_selectors.suppressions_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("suppression", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: mailing.suppression_add(actor=a, email="stop@bolt.test", reason="manual"),
        lambda w, a, _: _exists(Suppression, email="stop@bolt.test"),
        whose=("any",),
    ),
    ("suppression", "change"): Spec(
        a_suppression,
        lambda w, a, r: mailing.suppression_update(actor=a, suppression=r, detail="asked by phone"),
        lambda w, a, r: Suppression.objects.get(pk=r.pk).detail == "asked by phone",
    ),
    ("suppression", "delete"): Spec(
        a_suppression,
        lambda w, a, r: mailing.suppression_remove(actor=a, suppression=r),
        lambda w, a, r: not _exists(Suppression, pk=r.pk),
    ),
    # The audit log has no service but its page; nobody writes it by hand, and the admin site
    # is the only door that could.
    ("audit_log", "view"): Spec(
        an_audit_entry,
        lambda w, a, r: _door(w.client(a).get("/audit/")),
        lambda w, a, r: _audit_page_lists(w.client(a), "Probe Ltd"),
    ),
    ("audit_log", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _door(
            w.client(a).post(
                "/admin/audit/auditentry/add/",
                {"actor_label": "forged", "action": "create", "record_type": "x", "record_id": 1},
            )
        ),
        lambda w, a, _: _exists(AuditEntry, actor_label="forged"),
        whose=("any",),
    ),
    ("audit_log", "change"): Spec(
        an_audit_entry,
        lambda w, a, r: _door(
            w.client(a).post(
                f"/admin/audit/auditentry/{r.pk}/change/",
                {"actor_label": "forged", "action": "update", "record_type": "x"},
            )
        ),
        lambda w, a, r: AuditEntry.objects.get(pk=r.pk).actor_label == "forged",
    ),
    ("audit_log", "delete"): Spec(
        an_audit_entry,
        lambda w, a, r: _door(
            w.client(a).post(f"/admin/audit/auditentry/{r.pk}/delete/", {"post": "yes"})
        ),
        lambda w, a, r: not _exists(AuditEntry, pk=r.pk),
    ),
    # The company export (tandem.exports): admins only, through its services and page.
    ("company_export", "view"): Spec(
        lambda w, owner: CompanyExport.objects.create(requested_by=owner),
        lambda w, a, r: export_selectors.company_export_get_for_user(user=a, export_id=r.pk),
        lambda w, a, r: export_selectors.company_exports_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("company_export", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: export_services.company_export_request(actor=a),
        lambda w, a, _: _exists(CompanyExport),
        whose=("any",),
    ),
    ("company_export", "delete"): Spec(
        lambda w, owner: CompanyExport.objects.create(requested_by=owner),
        lambda w, a, r: export_services.company_export_delete(actor=a, export=r),
        lambda w, a, r: not _exists(CompanyExport, pk=r.pk),
    ),
    # The homes are pages, not records: the door opens or answers 403.
    ("marketing_home", "view"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _door(w.client(a).get("/marketing/")),
        lambda w, a, _: w.client(a).get("/marketing/").status_code == 200,
        whose=("any",),
    ),
    ("sales_home", "view"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _door(w.client(a).get("/sales/")),
        lambda w, a, _: w.client(a).get("/sales/").status_code == 200,
        whose=("any",),
    ),
    # Reports: viewing runs the report (or reads its cache); creating starts a fresh run.
    ("shared_report", "view"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _report(a, "funnel"),
        lambda w, a, _: _exists(ReportRun, analysis="funnel", requested_by_id=a.pk),
        whose=("any",),
    ),
    ("shared_report", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _report(a, "funnel", refresh=True),
        lambda w, a, _: _exists(ReportRun, analysis="funnel", requested_by_id=a.pk),
        whose=("any",),
    ),
    ("marketing_report", "view"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _report(a, "profitability"),
        lambda w, a, _: _exists(ReportRun, analysis="profitability", requested_by_id=a.pk),
        whose=("any",),
    ),
    ("marketing_report", "create"): Spec(
        lambda w, owner: None,
        lambda w, a, _: _report(a, "profitability", refresh=True),
        lambda w, a, _: _exists(ReportRun, analysis="profitability", requested_by_id=a.pk),
        whose=("any",),
    ),
}


def _report(actor, analysis: str, refresh: bool = False) -> None:
    params = report_type(analysis).input()
    reports.report_run(actor=actor, analysis=analysis, params=params, refresh=refresh)


# -- the sales workspace's records (activities, fit reviews, the sales plan) -------------------


def an_activity(w: World, owner):
    activity = activity_services.activity_log(
        actor=w.cast.admin,
        contact=a_contact(w, None),
        kind="task",
        subject="Probe",
        due_at="2030-01-01",
    )
    # No hand-over service exists; this stands in for a task that belongs to ``owner``.
    Activity.objects.filter(pk=activity.pk).update(owner=owner)
    return Activity.objects.get(pk=activity.pk)


def a_fit_review(w: World, owner):
    review = review_services.fit_review_open(
        actor=w.cast.admin, deal=a_deal(w, w.cast.sales_rep), reason="Off-profile"
    )
    FitReview.objects.filter(pk=review.pk).update(opened_by=owner)
    return FitReview.objects.get(pk=review.pk)


def a_question(w: World, owner):
    stage = sales.pipeline_default().stages.first()
    return playbook_services.playbook_question_create(
        actor=w.cast.admin, stage=stage, text="What hurts?"
    )


def _decide(w: World, actor, review) -> None:
    review_services.fit_review_decide(
        actor=actor, review=review, decision="approve", rationale="ok", team="sales"
    )


SALES_WORKSPACE_SPECS: dict[tuple[str, str], Spec] = {
    ("activity", "view"): Spec(
        an_activity,
        lambda w, a, r: activity_selectors.activity_get_for_user(user=a, activity_id=r.pk),
        lambda w, a, r: activity_selectors.activities_for_user(user=a).filter(pk=r.pk).exists(),
    ),
    ("activity", "create"): Spec(
        lambda w, owner: a_contact(w, owner),
        lambda w, a, contact: activity_services.activity_log(
            actor=a, contact=contact, kind="call", subject="Hello", is_done=True
        ),
        lambda w, a, contact: contact.activities.filter(subject="Hello").exists(),
    ),
    ("activity", "change"): Spec(
        an_activity,
        lambda w, a, r: activity_services.activity_complete(actor=a, activity=r),
        lambda w, a, r: type(r).objects.get(pk=r.pk).done_at is not None,
    ),
    ("activity", "delete"): Spec(
        an_activity,
        lambda w, a, r: activity_services.activity_delete(actor=a, activity=r),
        lambda w, a, r: not type(r).objects.filter(pk=r.pk).exists(),
    ),
    ("fit_review", "view"): Spec(
        a_fit_review,
        lambda w, a, r: sales_selectors.fit_review_get_for_user(user=a, review_id=r.pk),
        lambda w, a, r: r in sales_selectors.fit_reviews_list(user=a, status=""),
    ),
    ("fit_review", "create"): Spec(
        lambda w, owner: a_deal(w, owner),
        lambda w, a, deal: review_services.fit_review_open(actor=a, deal=deal, reason="Odd one"),
        lambda w, a, deal: deal.fit_reviews.exists(),
    ),
    ("fit_review", "change"): Spec(
        a_fit_review,
        _decide,
        lambda w, a, r: r.decisions.exists(),
    ),
    ("fit_review", "delete"): Spec(
        a_fit_review,
        lambda w, a, r: review_services.fit_review_delete(actor=a, review=r),
        lambda w, a, r: not type(r).objects.filter(pk=r.pk).exists(),
    ),
    ("sales_plan", "view"): Spec(
        lambda w, owner: None,
        lambda w, a, r: _door(w.client(a).get("/sales/pipelines/")),
        lambda w, a, r: w.client(a).get("/sales/pipelines/").status_code == 200,
        whose=("any",),
    ),
    ("sales_plan", "create"): Spec(
        lambda w, owner: sales.pipeline_default().stages.first(),
        lambda w, a, stage: playbook_services.playbook_question_create(
            actor=a, stage=stage, text="Who signs?"
        ),
        lambda w, a, stage: stage.questions.filter(text="Who signs?").exists(),
        whose=("any",),
    ),
    ("sales_plan", "change"): Spec(
        a_question,
        lambda w, a, q: playbook_services.playbook_question_update(
            actor=a, question=q, text="What hurts most?", is_key=True
        ),
        lambda w, a, q: type(q).objects.get(pk=q.pk).text == "What hurts most?",
        whose=("any",),
    ),
    ("sales_plan", "delete"): Spec(
        a_question,
        lambda w, a, q: playbook_services.playbook_question_delete(actor=a, question=q),
        lambda w, a, q: not type(q).objects.filter(pk=q.pk).exists(),
        whose=("any",),
    ),
}
SPECS.update(SALES_WORKSPACE_SPECS)
from tests.orders.permission_specs import order_specs  # noqa: E402

SPECS.update(order_specs(Spec, a_deal))
from tests.people.merge_permission_specs import merge_specs  # noqa: E402

SPECS.update(merge_specs(Spec))
from tests.imports.permission_specs import import_specs  # noqa: E402

SPECS.update(import_specs(Spec))
from tests.webhooks.permission_specs import webhook_specs  # noqa: E402

SPECS.update(webhook_specs(Spec))
from tests.privacy.permission_specs import privacy_specs  # noqa: E402

SPECS.update(privacy_specs(Spec))

ROLES = [str(r) for r in policies.ROLE_ORDER]
CELLS = [
    pytest.param(role, resource, action, whose, id=f"{role}-{resource}-{action}-{whose}")
    for resource, actions in MATRIX.items()
    for action in actions
    for role in ROLES
    for whose in SPECS[(resource, action)].whose
]


def expected(resource: str, action: str, role: str, whose: str) -> bool:
    scope = MATRIX[resource][action][role]
    return {
        Scope.ALL: True,
        Scope.TEAM: whose in ("own", "teammate", "any"),
        Scope.OWN: whose in ("own", "any"),
        Scope.NONE: False,
    }[scope]


def _try(world: World, spec: Spec, actor, record) -> bool:
    """Whether the attempt was refused."""
    try:
        spec.act(world, actor, record)
    except (PermissionDenied, Http404):
        return True
    return False


def test_every_cell_has_a_spec():
    assert set(SPECS) == {(res, act) for res, acts in MATRIX.items() for act in acts}
    assert set(ROLES) == {str(r) for r in Role}


@pytest.mark.parametrize(("role", "resource", "action", "whose"), CELLS)
def test_cell(world, role, resource, action, whose):
    # given a record owned by the user, a teammate or someone in another team
    spec = SPECS[(resource, action)]
    actor = world.actor(role)
    record = spec.arrange(world, world.owner(role, whose) if whose != "any" else None)
    allowed = expected(resource, action, role, whose)

    # when the user tries the action through the real service, selector or page
    refused = _try(world, spec, actor, record)

    # then it happened exactly when the matrix allows it, and a refusal stored nothing
    assert spec.happened(world, actor, record) is allowed
    if spec.raises:
        assert refused is not allowed


NOBODY_CELLS = [
    pytest.param(who, resource, action, id=f"{who}-{resource}-{action}")
    for who in ("anonymous", "inactive")
    for resource, actions in MATRIX.items()
    for action in actions
]


@pytest.mark.parametrize(("who", "resource", "action"), NOBODY_CELLS)
def test_anonymous_and_inactive_users_may_do_nothing(world, who, resource, action):
    # given a record of a rep's, and an admin whose account was switched off
    spec = SPECS[(resource, action)]
    actor = (
        AnonymousUser()
        if who == "anonymous"
        else UserFactory(username="gone", role=Role.ADMIN, is_active=False)
    )
    record = spec.arrange(world, world.cast.sales_rep if spec.whose == WHOSE else None)

    refused = _try(world, spec, actor, record)

    assert spec.happened(world, actor, record) is False
    if spec.raises:
        assert refused


# -- what each role is for, written out so a change to the matrix is a deliberate one ---------


def _allowed(user) -> set[tuple[str, str]]:
    return {
        (res, act) for res, acts in MATRIX.items() for act in acts if policies.can(user, act, res)
    }


VIEWS = {(res, "view") for res in MATRIX}


def test_leadership_reads_everything_but_the_audit_log_and_writes_nothing(cast):
    # Nor one person's whole file: that download is for admins and marketing managers.
    assert _allowed(cast.leadership) == VIEWS - {
        ("audit_log", "view"),
        ("company_export", "view"),
        ("contact_privacy", "view"),
    }


def test_employee_logs_touches_and_sees_people_but_no_campaigns_leads_or_deals(cast):
    assert _allowed(cast.employee) == {
        ("account", "view"),
        ("contact", "view"),
        ("touch", "view"),
        ("touch", "create"),
        ("touch", "change"),
    }


def test_admin_does_everything_but_write_the_audit_log_by_hand(cast):
    everything = {(res, act) for res, acts in MATRIX.items() for act in acts}
    audit_writes = {("audit_log", a) for a in ("create", "change", "delete")}
    # Topics are archived, never deleted; recipient rows are the engine's to write.
    no_door = {("email_topic", "delete"), ("email_recipient", "create")}
    no_door.add(("email_recipient", "delete"))
    assert _allowed(cast.admin) == everything - audit_writes - no_door


def test_marketing_sees_deals_but_never_private_notes(cast):
    for user in (cast.marketer, cast.marketing_manager):
        assert policies.can(user, "view", "deal")
        assert not any(policies.can(user, act, "deal_private_notes") for act in policies.ACTIONS)


def test_marketer_reads_a_reps_deal_without_its_notes(world):
    deal = a_deal(world, world.cast.sales_rep, notes=NOTES)

    seen = sales_selectors.deal_get_for_user(user=world.cast.marketer, deal_id=deal.pk)

    assert seen == deal
    assert sales_selectors.deal_private_notes_for(user=world.cast.marketer, deal=seen) is None
    assert sales_selectors.deal_private_notes_for(user=world.cast.sales_rep, deal=seen) == NOTES


def test_sales_manager_answers_their_teams_leads_not_another_teams(world):
    cast = world.cast
    north, south = a_lead(world, cast.teammate_rep), a_lead(world, cast.other_team_rep)

    deal = handoff.lead_accept(actor=cast.sales_manager, lead=north)
    with pytest.raises(PermissionDenied):
        handoff.lead_accept(actor=cast.sales_manager, lead=south)
    with pytest.raises(PermissionDenied):
        handoff_selectors.lead_get_for_user(user=cast.sales_manager, lead_id=south.pk)

    assert deal.owner == cast.teammate_rep
    assert Lead.objects.get(pk=south.pk).status == Lead.Status.WAITING
    queue = handoff_selectors.lead_queue(user=cast.sales_manager)
    assert list(queue) == []  # north's lead is answered; south's is not theirs to answer


def test_employee_logs_a_touch_but_sees_no_deals_or_leads(world):
    cast = world.cast
    contact = a_contact(world, cast.sales_rep)
    a_deal(world, cast.employee)  # even a deal in their own name
    a_lead(world, cast.employee)

    touch = handoff.touch_log(contact=contact, kind="meeting", actor=cast.employee, summary="Met")

    assert touch.recorded_by == cast.employee
    assert list(sales_selectors.deals_for_user(user=cast.employee)) == []
    assert list(handoff_selectors.leads_for_user(user=cast.employee)) == []


def test_a_refused_write_leaves_no_audit_entry(world):
    deal = a_deal(world, world.cast.other_team_rep)
    before = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied):
        sales.deal_delete(actor=world.cast.sales_manager, deal=deal)

    assert AuditEntry.objects.count() == before


def test_a_delete_is_audited_with_what_was_deleted(world):
    deal = a_deal(world, world.cast.sales_rep)
    deal_id = deal.pk

    sales.deal_delete(actor=world.cast.sales_manager, deal=deal, via="api")

    entry = AuditEntry.objects.filter(action="delete").get()
    assert (entry.actor, entry.record_type, entry.record_id) == (
        world.cast.sales_manager,
        "sales.deal",
        str(deal_id),
    )
    assert entry.changes["name"] == ["Bolt — new business", None]


def test_even_a_superuser_cannot_write_the_audit_log_through_the_admin_site(world):
    root = UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    entry = an_audit_entry(world, world.cast.sales_rep)
    client = world.client(root)

    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {}).status_code == 403
    assert (
        client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk, actor_label=entry.actor_label).exists()
