"""A person with data in every place Tandem keeps some, built through the real services."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.test import Client

from tandem.collaboration import services as collaboration
from tandem.collaboration import survey_services
from tandem.fields import field_services
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.imports import services as imports
from tandem.imports.models import ImportJob
from tandem.imports.running import job_run
from tandem.mailing import engine, links, preference_services, template_services
from tandem.mailing import services as mailing
from tandem.marketing import form_services, tracking
from tandem.people import dismissals, merge
from tandem.people import services as people
from tandem.people.models import Contact
from tandem.sales import activity_services
from tandem.sales import services as sales
from tandem.segments import services as segments
from tandem.segments.models import Segment
from tandem.webhooks import services as webhooks
from tandem.webhooks.schemas import EndpointIn

FIRST, LAST = "Zebulon", "Quillfeather"
EMAIL = "zeb.quill@quillworks.test"
OLD_EMAIL = "zq@old-quill.test"
PHONE = "+44 20 7946 0958"
VISITOR = "visitor-of-zebulon-0001"


@dataclass
class Person:
    contact: Contact
    deal: object
    job: ImportJob
    needles: list[str]


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def queued_tasks(settings):
    """Tasks wait in the database queue, as in production: their arguments are searched too."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def person(cast, lead_form, data_dir, queued_tasks, settings, django_capture_on_commit_callbacks):
    """Zebulon Quillfeather, everywhere: visits, a form, consent, custom values, touches, an
    MQL handed off and accepted, a deal with a committee seat and activities, comments, a
    survey answer, a marketing email opened and clicked, an unsubscribe, an import (with a
    problem row), a webhook delivery, a merged duplicate (an alias) and a static list."""
    admin, rep, marketer = cast.admin, cast.sales_rep, cast.marketer
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # a receiver on loopback (never reached: queued)
    webhooks.endpoint_create(
        actor=admin,
        data=EndpointIn(url="http://127.0.0.1:9/in", events=["contact.created", "contact.updated"]),
    )
    field_services.custom_field_create(
        actor=admin, entity="contact", label="Hobby", kind="text", key="hobby"
    )
    with django_capture_on_commit_callbacks(execute=True):
        # anonymous browsing first, joined when the form is sent
        tracking.visit_record(visitor_id=VISITOR, url="https://quillworks.test/pricing")
        form_services.form_submit(
            form=lead_form,
            data={
                "email": EMAIL,
                "first_name": FIRST,
                "last_name": LAST,
                "title": "VP Operations",
                "company": "Quillworks",
                "consent": "yes",
                "utm_campaign": "spring-webinar",
            },
            client_address="203.0.113.9",
            visitor_id=VISITOR,
        )
        contact = Contact.objects.get(email=EMAIL)
        people.contact_update(
            actor=admin,
            contact=contact,
            phone=PHONE,
            custom={"hobby": f"{FIRST} collects quills"},
        )
    handoff.touch_log(
        contact=contact,
        kind="call",
        actor=marketer,
        summary=f"Called {FIRST} {LAST} on {PHONE}",
    )
    lead = Lead.objects.get(contact=contact)
    deal = handoff.lead_accept(actor=lead.assigned_to, lead=lead)
    sales.committee_member_save(
        actor=lead.assigned_to,
        deal=deal,
        contact=contact,
        role="champion",
        pain_points=f"{FIRST} says the old tool loses orders",
        timeline="by June, in Zebulon's words",
    )
    activity_services.activity_log(
        actor=lead.assigned_to,
        kind="call",
        subject=f"Call {FIRST} {LAST}",
        deal=deal,
        contact=contact,
        is_done=True,
        outcome="connected",
        notes=f"Reach {FIRST} at {PHONE} or {EMAIL}",
    )
    collaboration.comment_add(
        actor=marketer, target=deal, body=f"@{rep.username} {FIRST} {LAST} asked for a quote"
    )
    collaboration.comment_add(
        actor=marketer, target=contact, body=f"{FIRST} {LAST} prefers mornings"
    )

    # a survey answered with free text
    survey = survey_services.survey_create(
        actor=marketer,
        title="How are we doing?",
        questions=[
            {"kind": "nps", "text": "How likely are you to recommend us?"},
            {"kind": "text", "text": "Anything else?", "required": False},
        ],
    )
    survey_services.survey_send(actor=marketer, survey=survey, audience_type="prospect")
    survey_services.survey_answer(
        survey=survey, contact=contact, answers={"q1": 9, "q2": f"{FIRST} here, call {PHONE}"}
    )

    # a marketing email, opened and clicked, then an unsubscribe
    template = template_services.template_create(
        actor=marketer,
        name="Invite",
        subject="{{ contact.first_name }}, join us",
        html_body='<p>Hi {{ contact.first_name }}</p><a href="https://example.org/x">x</a>'
        '<a href="{{ unsubscribe_url }}">Unsubscribe</a>',
        text_body="Hi {{ contact.first_name }}",
    )
    audience = segments.segment_create(actor=marketer, name="Invitees", kind=Segment.Kind.STATIC)
    segments.segment_members_add(actor=marketer, segment=audience, contacts=[contact])
    send = mailing.send_create(
        actor=marketer,
        name="Invite",
        template=template,
        segments=[audience],
        from_email="news@acme-marketing.test",
    )
    mailing.send_start(actor=marketer, send=send)
    engine.send_batch_run(send_id=send.pk)
    recipient = send.recipients.get(contact=contact)
    browser = Client()
    browser.get(links.open_url(recipient.pk))
    browser.get(links.click_url(recipient.pk, "https://example.org/x"))
    preference_services.recipient_unsubscribe(recipient=recipient)

    # an import that updates them, with a problem row naming them
    job = imports.import_upload(
        user=admin,
        file=io.BytesIO(
            (
                "Email,First name,Last name,Phone\n"
                f"{EMAIL},{FIRST},{LAST},{PHONE}\n"
                f"{FIRST} {LAST} <{EMAIL}>,{FIRST},{LAST},\n"
            ).encode()
        ),
        filename="quillworks-contacts.csv",
        object_type="contacts",
    )
    imports.import_configure(user=admin, job=job, mapping=job.mapping, value_maps=job.value_maps)
    imports.import_start(user=admin, job=job, enqueue=False)
    job_run(job.pk)
    job.refresh_from_db()

    # a duplicate merged into them: their old address becomes an alias
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = people.contact_create(
            actor=admin, email=OLD_EMAIL, first_name=FIRST, last_name=LAST
        )
        merge.contact_merge(user=admin, kept=contact, merged=duplicate)
    # and a namesake judged not to be them: the pair remembers both addresses
    namesake = people.contact_create(
        actor=admin, email="someone.else@elsewhere.test", first_name="Other", last_name="Person"
    )
    dismissals.duplicate_dismiss(user=admin, kind="contact", ids=[contact.pk, namesake.pk])
    contact.refresh_from_db()
    return Person(
        contact=contact,
        deal=deal,
        job=job,
        needles=[FIRST, LAST, f"{FIRST} {LAST}", EMAIL, OLD_EMAIL, PHONE],
    )


TEXT_TYPES = {"CharField", "TextField", "EmailField", "URLField", "SlugField"}


def hits(needles: list[str]) -> list[tuple[str, int, str, str]]:
    """Every (table, row id, column, needle) where a text or JSON column of any table holds
    one of ``needles``, case-insensitive: all models Django knows, the task queue included."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            is_json = isinstance(field, models.JSONField)
            if not (is_json or field.get_internal_type() in TEXT_TYPES):
                continue
            rows = model._default_manager.all()
            column = field.name
            if is_json:
                rows = rows.annotate(_as_text=Cast(field.name, TextField()))
                column = "_as_text"
            query = Q()
            for needle in needles:
                query |= Q(**{f"{column}__icontains": needle})
            for pk, value in rows.filter(query).values_list("pk", column):
                needle = next(n for n in needles if n.lower() in str(value).lower())
                found.append((model._meta.label, pk, field.name, needle))
    return found
