"""Use cases of email templates: create, change, delete (never one a send used) and preview
as a contact would get it, the seller's footer included."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tandem.access import policies
from tandem.audit import events as audit
from tandem.core.seller import seller_identity
from tandem.errors import InvalidInput
from tandem.mailing import rendering
from tandem.mailing.links import base_url
from tandem.mailing.models import EmailTemplate, Topic


def _template_values(*, name: Any, subject: Any, html_body: Any, text_body: Any) -> dict[str, str]:
    values = {}
    for field, value, limit in (
        ("name", name, 200),
        ("subject", subject, 300),
        ("html_body", html_body, 200_000),
        ("text_body", text_body, 100_000),
    ):
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput.field(field, "is required")
        if len(value) > limit:
            raise InvalidInput.field(field, f"must be at most {limit} characters")
        values[field] = value.strip() if field in ("name", "subject") else value
    if "\n" in values["subject"]:
        raise InvalidInput.field("subject", "must be one line")
    errors = {}
    for field in ("subject", "html_body", "text_body"):
        problems = rendering.template_problems(values[field], part=field)
        if problems:
            errors[field] = "; ".join(str(p) for p in problems)
    if errors:
        raise InvalidInput(errors)
    return values


def template_create(
    *,
    actor: Any,
    name: Any,
    subject: Any,
    html_body: Any,
    text_body: Any,
    topic: Topic | None = None,
    via: str = "ui",
) -> EmailTemplate:
    """A new email template; a malformed one, or one naming an unknown variable, is refused
    with the reason and the line."""
    policies.require(actor, "create", "email_template")
    values = _template_values(name=name, subject=subject, html_body=html_body, text_body=text_body)
    if EmailTemplate.objects.filter(name=values["name"]).exists():
        raise InvalidInput.field("name", f"a template called {values['name']!r} already exists")
    template = EmailTemplate.objects.create(owner=actor, topic=topic, **values)
    audit.record_created(actor=actor, obj=template, via=via)
    return template


def template_update(
    *,
    actor: Any,
    template: EmailTemplate,
    name: Any,
    subject: Any,
    html_body: Any,
    text_body: Any,
    topic: Topic | None = None,
    via: str = "ui",
) -> EmailTemplate:
    policies.require(actor, "change", "email_template", template)
    values = _template_values(name=name, subject=subject, html_body=html_body, text_body=text_body)
    if EmailTemplate.objects.filter(name=values["name"]).exclude(pk=template.pk).exists():
        raise InvalidInput.field("name", f"a template called {values['name']!r} already exists")
    before = audit.snapshot(template)
    for key, value in values.items():
        setattr(template, key, value)
    template.topic = topic
    template.save()
    audit.record_updated(actor=actor, obj=template, before=before, via=via)
    return template


def template_delete(*, actor: Any, template: EmailTemplate, via: str = "ui") -> None:
    policies.require(actor, "delete", "email_template", template)
    if template.sends.exists():
        raise InvalidInput.field("template", "this template was used by a send; keep it")
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=template, via=via)
        template.delete()


def template_preview(*, template: EmailTemplate, contact: Any) -> dict[str, str]:
    """Subject, HTML and text as ``contact`` would get them, the seller's footer included
    (links are not wrapped)."""
    values = rendering.personal_context(
        contact=contact,
        unsubscribe_url=f"{base_url()}/mail/u/preview/",
        preferences_url=f"{base_url()}/mail/u/preview/",
    )
    seller = seller_identity()
    html = rendering.render(rendering.compile_template(template.html_body), values, html=True)
    text = rendering.render(rendering.compile_template(template.text_body), values, html=False)
    return {
        "subject": rendering.render(
            rendering.compile_template(template.subject), values, html=False
        ),
        "html": rendering.footer_add(html, seller, html=True),
        "text": rendering.footer_add(text, seller, html=False),
    }
