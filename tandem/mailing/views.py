"""Marketing's email pages: templates with a preview, sends with their progress, suppressions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.mailing import rendering, selectors, services, template_services, topic_services
from tandem.mailing.models import EmailTemplate, SendStatus, SuppressionReason
from tandem.mailing.schemas import (
    PreviewForm,
    SendForm,
    SettleForm,
    SuppressionForm,
    TemplateForm,
    TopicForm,
)
from tandem.marketing.selectors import campaigns_for_user
from tandem.people.selectors import contact_sample_for_user
from tandem.segments.selectors import segments_by_name, segments_with_ids

NEW_SUBJECT = 'Hello {{ contact.first_name|default:"there" }}'
ACTIONS = {
    "start": services.send_start,
    "pause": services.send_pause,
    "resume": services.send_resume,
    "cancel": services.send_cancel,
}


@login_required
def sends(request):
    policies.require(request.user, "view", "email_send")
    return render(
        request,
        "mailing/sends.html",
        {
            "sends": selectors.sends_with_counts(user=request.user)[:200],
            "can_create": policies.can(request.user, "create", "email_send"),
            "section": "email",
        },
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@login_required
def send_new(request):
    policies.require(request.user, "create", "email_send")
    templates = selectors.templates_for_user(user=request.user)
    values: dict[str, Any] = SendForm().model_dump()
    errors: dict[str, str] = {}
    if request.method == "POST":
        posted = typed_input(SendForm, request.POST)
        values = posted.model_dump()
        values.update(segments=_ids(posted.segments), exclusions=_ids(posted.exclusions))
        template = None
        if values["template"].isdigit():
            template = templates.filter(pk=int(values["template"])).first()
        campaign = None
        if values["campaign"].isdigit():
            campaign = (
                campaigns_for_user(user=request.user).filter(pk=int(values["campaign"])).first()
            )
        topic = None
        if values["topic"].isdigit():
            topic = selectors.topics_offered().filter(pk=int(values["topic"])).first()
        try:
            send = services.send_create(
                actor=request.user,
                name=values["name"],
                template=template,
                segments=segments_with_ids(ids=values["segments"]),
                exclusions=segments_with_ids(ids=values["exclusions"]),
                campaign=campaign,
                from_email=values["from_email"],
                rate_per_second=values["rate_per_second"],
                batch_size=values["batch_size"],
                topic=topic,
            )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Send “{send}” saved as a draft. Start it when ready.")
            return redirect("mailing:send_detail", send_id=send.pk)
    return render(
        request,
        "mailing/send_new.html",
        {
            "values": values,
            "errors": errors,
            "templates": templates.select_related("topic"),
            "topics": selectors.topics_offered(),
            "segments": segments_by_name(),
            "campaigns": campaigns_for_user(user=request.user),
            "section": "email",
        },
    )


def _progress_context(request, send) -> dict:
    progress = selectors.send_progress(send=send)
    return {
        "send": send,
        "progress": progress,
        "can_change": policies.can(request.user, "change", "email_send", send),
        "is_polling": progress.status == SendStatus.SENDING and not progress.is_stalled,
    }


@login_required
def send_detail(request, send_id: int):
    send = selectors.send_get_for_user(user=request.user, send_id=send_id)
    ctx = _progress_context(request, send)
    ctx.update(
        section="email",
        can_settle=policies.can(request.user, "change", "email_recipient"),
        segments=list(send.segments.all()),
        exclusions=list(send.exclusions.all()),
        problems={
            state: selectors.recipients_by_state(send=send, state=state, limit=20)
            for state in ("uncertain", "failed", "skipped")
        },
    )
    return render(request, "mailing/send_detail.html", ctx)


@login_required
def send_progress(request, send_id: int):
    """The progress panel alone, which the send page polls with htmx while it sends."""
    send = selectors.send_get_for_user(user=request.user, send_id=send_id)
    return render(request, "mailing/_progress.html", _progress_context(request, send))


@login_required
@require_POST
def send_action(request, send_id: int, action: str):
    if action not in ACTIONS:
        raise Http404("No such action")
    send = selectors.send_get_for_user(user=request.user, send_id=send_id)
    try:
        send = ACTIONS[action](actor=request.user, send=send)
    except InvalidInput as exc:
        messages.error(request, next(iter(exc.errors.values())))
    if request.htmx:
        return render(request, "mailing/_progress.html", _progress_context(request, send))
    return redirect("mailing:send_detail", send_id=send.pk)


@login_required
@require_POST
def recipient_settle(request, send_id: int, recipient_id: int, outcome: str):
    """Settle an uncertain recipient: mark as sent, or send again (the form must say the
    possible duplicate is accepted)."""
    send = selectors.send_get_for_user(user=request.user, send_id=send_id)
    recipient = selectors.recipient_get_for_user(
        user=request.user, send=send, recipient_id=recipient_id
    )
    settle = typed_input(SettleForm, request.POST)
    if outcome == services.Settle.AGAIN and settle.duplicate_accepted != "yes":
        messages.error(
            request,
            f"Tick “they may get it twice” to send to {recipient.email} again.",
        )
        return redirect("mailing:send_detail", send_id=send.pk)
    try:
        services.recipient_settle(actor=request.user, recipient=recipient, outcome=outcome)
    except InvalidInput as exc:
        messages.error(request, next(iter(exc.errors.values())))
    else:
        done = "marked as sent" if outcome == services.Settle.SENT else "queued to be sent again"
        messages.success(request, f"{recipient.email}: {done}.")
    return redirect("mailing:send_detail", send_id=send.pk)


@login_required
def templates(request):
    policies.require(request.user, "view", "email_template")
    return render(
        request,
        "mailing/templates.html",
        {
            "templates": selectors.templates_for_user(user=request.user),
            "can_create": policies.can(request.user, "create", "email_template"),
            "section": "email",
        },
    )


@login_required
def template_edit(request, template_id: int | None = None):
    template = None
    if template_id is not None:
        template = selectors.template_get_for_user(user=request.user, template_id=template_id)
    else:
        policies.require(request.user, "create", "email_template")
    values = {
        "name": template.name if template else "",
        "subject": template.subject if template else NEW_SUBJECT,
        "html_body": template.html_body if template else "",
        "text_body": template.text_body if template else "",
        "topic": str(template.topic_id or "") if template else "",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = typed_input(TemplateForm, request.POST).model_dump()
        topic = None
        if values["topic"].isdigit():
            topic = selectors.topic_find(topic_id=int(values["topic"]))
            if topic is not None and topic.is_archived and topic != (template and template.topic):
                topic = None  # an archived topic is kept on a template, never newly chosen
        fields = {k: values[k] for k in ("name", "subject", "html_body", "text_body")}
        try:
            if template is None:
                template = template_services.template_create(
                    actor=request.user, topic=topic, **fields
                )
            else:
                template = template_services.template_update(
                    actor=request.user, template=template, topic=topic, **fields
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Template “{template}” saved.")
            return redirect("mailing:template_edit", template_id=template.pk)
    return render(
        request,
        "mailing/template_edit.html",
        {
            "template": template,
            "values": values,
            "errors": errors,
            "topics": [
                t
                for t in selectors.topics_all()
                if not t.is_archived or (template is not None and t.pk == template.topic_id)
            ],
            "variables": rendering.VARIABLES,
            "can_change": template is None
            or policies.can(request.user, "change", "email_template", template),
            "sample": contact_sample_for_user(user=request.user),
            "section": "email",
        },
    )


@login_required
@require_POST
def template_preview(request, template_id: int):
    """The editor's preview for a sample contact, from the fields as they are being edited."""
    selectors.template_get_for_user(user=request.user, template_id=template_id)
    values = typed_input(PreviewForm, request.POST).model_dump(exclude={"topic"})
    email = values.pop("sample").strip().lower()  # the form keeps its text as sent
    contact = contact_sample_for_user(user=request.user, email=email)
    problems = [
        str(p)
        for part in ("subject", "html_body", "text_body")
        for p in rendering.template_problems(values[part], part=part)
    ]
    preview = None
    if not problems and contact is not None:
        preview = template_services.template_preview(
            template=EmailTemplate(**values), contact=contact
        )
    return render(
        request,
        "mailing/_preview.html",
        {"preview": preview, "problems": problems, "contact": contact},
    )


@login_required
def suppressions(request):
    policies.require(request.user, "view", "suppression")
    errors: dict[str, str] = {}
    values = {"email": "", "detail": ""}
    if request.method == "POST":
        posted = typed_input(SuppressionForm, request.POST)
        if posted.remove.isdigit():
            suppression = (
                selectors.suppressions_for_user(user=request.user)
                .filter(pk=int(posted.remove))
                .first()
            )
            if suppression is not None:
                services.suppression_remove(actor=request.user, suppression=suppression)
                messages.success(request, f"{suppression.email} may be mailed again.")
            return redirect("mailing:suppressions")
        values = posted.model_dump(include={"email", "detail"})
        try:
            suppression = services.suppression_add(
                actor=request.user,
                email=values["email"],
                reason=SuppressionReason.MANUAL,
                detail=values["detail"],
            )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            messages.success(request, f"{suppression.email} will not be mailed.")
            return redirect("mailing:suppressions")
    q = request.GET.get("q", "")
    return render(
        request,
        "mailing/suppressions.html",
        {
            "suppressions": selectors.suppressions_for_user(user=request.user, search=q)[:200],
            "q": q,
            "values": values,
            "errors": errors,
            "can_create": policies.can(request.user, "create", "suppression"),
            "can_delete": policies.can(request.user, "delete", "suppression"),
            "section": "email",
        },
    )


@login_required
def topics(request):
    """Email topics: what contacts may opt out of on its own. Managers create, rename and
    archive them."""
    policies.require(request.user, "view", "email_topic")
    errors: dict[str, str] = {}
    values = {"name": "", "description": ""}
    editing: int | None = None
    if request.method == "POST":
        posted = typed_input(TopicForm, request.POST)
        action = posted.action
        values = posted.model_dump(include={"name", "description"})
        topic = None
        if posted.topic.isdigit():
            topic = selectors.topic_get_for_user(user=request.user, topic_id=int(posted.topic))
        try:
            if action == "create":
                topic = topic_services.topic_create(actor=request.user, **values)
                messages.success(request, f"Topic “{topic}” added.")
            elif topic is not None and action == "rename":
                editing = topic.pk
                topic_services.topic_update(actor=request.user, topic=topic, **values)
                messages.success(request, f"Topic renamed to “{topic}”.")
            elif topic is not None and action in ("archive", "restore"):
                topic_services.topic_archive(
                    actor=request.user, topic=topic, is_archived=action == "archive"
                )
                messages.success(request, f"Topic “{topic}” {action}d.")
            else:
                raise Http404("No such action")
        except InvalidInput as exc:
            errors = exc.errors
        else:
            return redirect("mailing:topics")
    return render(
        request,
        "mailing/topics.html",
        {
            "topics": selectors.topics_for_user(user=request.user),
            "values": values,
            "errors": errors,
            "editing": editing,
            "can_create": policies.can(request.user, "create", "email_topic"),
            "can_change": policies.can(request.user, "change", "email_topic"),
            "section": "email",
        },
        status=422 if errors else 200,
    )
