"""Email templates: personalisation in a sandbox; a bad template is refused with its line."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tandem.errors import InvalidInput
from tandem.mailing import template_services
from tandem.mailing.models import EmailTemplate
from tests.mailing.conftest import HTML, TEXT, a_contact

ALLOWED = (
    "contact.first_name, contact.last_name, contact.email, contact.title, account.name, "
    "account.industry, unsubscribe_url, preferences_url"
)


def create(cast, **overrides):
    fields = {"name": "Invite", "subject": "Hello", "html_body": HTML, "text_body": TEXT}
    return template_services.template_create(actor=cast.marketer, **{**fields, **overrides})


@pytest.mark.parametrize(
    ("field", "body", "message"),
    [
        (
            "html_body",
            "<p>Hi</p>\n<p>{{ contact.password }}</p>",
            f"line 2: unknown variable 'contact.password'; use one of {ALLOWED}",
        ),
        (
            "text_body",
            "Hi\n\n{% if settings.SECRET_KEY %}x{% endif %}",
            f"line 3: unknown variable 'settings.SECRET_KEY'; use one of {ALLOWED}",
        ),
        (
            "html_body",
            "<p>Hi</p>\n{% include 'base.html' %}",
            "line 2: the tag 'include' is not allowed in an email template (allowed: if, "
            "comment, spaceless, firstof, now, templatetag, verbatim)",
        ),
        ("text_body", "Hi {{ contact.first_name", "line 1: '{{' is never closed"),
        (
            "html_body",
            "{% if contact.first_name %}Hi",
            "line 1: Unclosed tag on line 1: 'if'. Looking for one of: elif, else, endif",
        ),
        (
            "subject",
            "Hi {{ contact.first_name|safe }}",
            "line 1: the filter 'safe' is not allowed "
            "in an email template (allowed: default, default_if_none, upper, lower, title, "
            "capfirst, truncatechars, truncatewords, date, escape, linebreaksbr, urlencode, cut, "
            "yesno)",
        ),
    ],
    ids=[
        "unknown-variable",
        "unknown-variable-in-if",
        "include",
        "unclosed",
        "unclosed-if",
        "filter",
    ],
)
def test_a_bad_template_is_refused_at_save_with_the_reason_and_line(cast, field, body, message):
    with pytest.raises(InvalidInput) as refused:
        create(cast, **{field: body})

    assert refused.value.errors == {field: message}
    assert EmailTemplate.objects.count() == 0


def test_a_template_is_previewed_for_a_sample_contact_with_their_values_escaped(cast):
    # given a template, and a contact whose name came from a public form
    template = create(cast, subject="{{ contact.first_name|default:'Hello' }}, news")
    contact = a_contact(cast, 1, first_name="<b>Bo</b>")

    preview = template_services.template_preview(template=template, contact=contact)

    assert preview["subject"] == "<b>Bo</b>, news"
    assert "<p>Hi &lt;b&gt;Bo&lt;/b&gt;,</p>" in preview["html"]
    assert preview["text"].startswith("Hi <b>Bo</b>,\n")


def test_the_default_fills_in_a_missing_first_name(cast):
    template = create(cast)
    contact = a_contact(cast, 1, first_name="")

    assert (
        "<p>Hi there,</p>"
        in template_services.template_preview(template=template, contact=contact)["html"]
    )


@pytest.mark.parametrize("role", ["sales_rep", "sales_manager", "leadership", "employee"])
def test_only_marketing_and_admins_write_templates(cast, role):
    with pytest.raises(PermissionDenied):
        template_services.template_create(
            actor=cast.by_role(role), name="x", subject="x", html_body="x", text_body="x"
        )


def test_a_marketer_changes_only_their_own_template_and_a_manager_any(cast):
    template = create(cast)
    other = template_services.template_create(
        actor=cast.marketing_manager, name="Max's", subject="s", html_body="h", text_body="t"
    )
    fields = {"name": "Renamed", "subject": "s", "html_body": "h", "text_body": "t"}

    template_services.template_update(actor=cast.marketer, template=template, **fields)
    with pytest.raises(PermissionDenied):
        template_services.template_update(
            actor=cast.marketer, template=other, **{**fields, "name": "N"}
        )
    template_services.template_update(actor=cast.marketing_manager, template=template, **fields)


def test_the_preview_shows_the_seller_footer_the_message_will_carry(cast, settings):
    settings.TANDEM_SELLER_NAME = "Fjord Sensors AS"
    settings.TANDEM_SELLER_ADDRESS = ["Bryggen 4", "5003 Bergen"]
    template = create(cast)

    preview = template_services.template_preview(template=template, contact=a_contact(cast, 1))

    assert "Fjord Sensors AS · Bryggen 4 · 5003 Bergen</p></body>" in preview["html"]
    assert preview["text"].endswith("\n\nFjord Sensors AS · Bryggen 4 · 5003 Bergen\n")
