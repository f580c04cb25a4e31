"""Demo email: two templates, a finished newsletter send with opens and clicks, and a draft."""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from tandem.access.models import User
from tandem.demo.extras.context import DemoContext
from tandem.handoff import scoring
from tandem.mailing import engine, gate
from tandem.mailing.models import (
    EmailClick,
    EmailRecipient,
    EmailSend,
    EmailTemplate,
    RecipientState,
    SendStatus,
    Suppression,
    SuppressionReason,
    Topic,
)
from tandem.marketing.models import Campaign
from tandem.people.models import Channel, Consent, Contact, Touch, TouchKind
from tandem.segments.models import Segment, SegmentMember

NEWSLETTER_HTML = """<html><body style="font-family: sans-serif">
<p>Hi {{ contact.first_name|default:"there" }},</p>
<p>This month: how teams like {{ account.name|default:"yours" }} cut their order-to-cash
time in half, and three things we shipped.</p>
<p><a href="https://example.com/blog/order-to-cash">Read the story</a> ·
<a href="https://example.com/changelog">What's new</a></p>
<p style="font-size: 12px; color: #555">You get this because you asked for our news.
<a href="{{ unsubscribe_url }}">Unsubscribe or choose what you get</a>.</p>
</body></html>"""
NEWSLETTER_TEXT = """Hi {{ contact.first_name|default:"there" }},

This month: how teams like {{ account.name|default:"yours" }} cut their order-to-cash time in half.
Read the story: https://example.com/blog/order-to-cash
What's new: https://example.com/changelog

Unsubscribe or choose what you get: {{ unsubscribe_url }}
"""
WEBINAR_HTML = """<html><body style="font-family: sans-serif">
<p>Hello {{ contact.first_name|default:"there" }},</p>
<p>Join our live webinar on planning for peak season{% if contact.title %} — made for
{{ contact.title }}s{% endif %}.</p>
<p><a href="https://example.com/webinars/peak-season">Save your seat</a></p>
<p style="font-size: 12px"><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>
</body></html>"""
WEBINAR_TEXT = """Hello {{ contact.first_name|default:"there" }},

Join our live webinar on planning for peak season: https://example.com/webinars/peak-season

Unsubscribe: {{ unsubscribe_url }}
"""
SEND_NAME = "Newsletter — this month"
DRAFT_NAME = "Peak-season webinar invitation"
LINKS = ["https://example.com/blog/order-to-cash", "https://example.com/changelog"]


# A newsletter audience the demo can date message by message: a million-contact company's
# biggest segment holds hundreds of thousands, and the demo refreshes each recipient's touches.
AUDIENCE_MAX = 5_000


def _audience(context: DemoContext) -> Segment:
    """The largest segment of at most AUDIENCE_MAX members, or a static list of consenting
    contacts made for the demo."""
    existing = (
        Segment.objects.filter(is_exclusion=False, member_count__lte=AUDIENCE_MAX)
        .order_by("-member_count", "id")
        .first()
    )
    if existing is not None and SegmentMember.objects.filter(segment=existing).exists():
        return existing
    segment, _ = Segment.objects.get_or_create(
        name="Newsletter subscribers",
        defaults={
            "kind": Segment.Kind.STATIC,
            "description": "Everyone who asked for our news by email.",
        },
    )
    consenting = list(
        Consent.objects.filter(channel="email", is_granted=True)
        .order_by("contact_id")
        .values_list("contact_id", flat=True)
    )
    chosen = sorted(context.rng.sample(consenting, min(len(consenting), 600)))
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=segment, contact_id=c, added_at=context.now) for c in chosen
    )
    Segment.objects.filter(pk=segment.pk).update(member_count=len(chosen), rebuilt_at=context.now)
    return segment


def _attribution_and_score_refresh(contact_ids: set[int]) -> None:
    """Keep each recipient's first/last touch and rule score what their touches say, as
    ``touch_record`` and the scoring would have (the demo writes touches in bulk)."""
    for contact in Contact.objects.filter(pk__in=contact_ids).select_related("account"):
        touches = Touch.objects.filter(contact=contact).select_related("campaign")
        latest = touches.order_by("-occurred_at", "-id").first()
        last = touches.exclude(campaign=None, utm_source="").order_by("-occurred_at", "-id").first()
        if latest is None:
            continue
        if last is not None:
            contact.last_touch_at = last.occurred_at
            contact.last_touch_source = last.utm_source or (
                last.campaign.channel if last.campaign else last.channel
            )
            contact.last_touch_medium = last.utm_medium or last.channel
            contact.last_touch_campaign = last.campaign
        contact.score = scoring.score_of(contact, now=latest.occurred_at)
        contact.save(
            update_fields=[
                "last_touch_at",
                "last_touch_source",
                "last_touch_medium",
                "last_touch_campaign",
                "score",
            ]
        )


# When each recipient first opened (or clicked), by recipient id.
Moments = dict[int, dt.datetime]


def _templates(owner: User | None) -> tuple[EmailTemplate, EmailTemplate]:
    """The newsletter and the webinar invitation, each under its topic."""
    newsletter_topic, _ = Topic.objects.get_or_create(
        name="The monthly newsletter",
        defaults={"description": "Stories and product news, once a month"},
    )
    events_topic, _ = Topic.objects.get_or_create(
        name="Event invitations", defaults={"description": "Webinars and events near you"}
    )
    newsletter = EmailTemplate.objects.create(
        name="Monthly newsletter",
        subject='{{ contact.first_name|default:"Hello" }}, this month at Tandem',
        html_body=NEWSLETTER_HTML,
        text_body=NEWSLETTER_TEXT,
        topic=newsletter_topic,
        owner=owner,
    )
    webinar = EmailTemplate.objects.create(
        name="Webinar invitation",
        subject="Live: planning for peak season",
        html_body=WEBINAR_HTML,
        text_body=WEBINAR_TEXT,
        topic=events_topic,
        owner=owner,
    )
    return newsletter, webinar


def _deliveries(
    context: DemoContext,
    send: EmailSend,
    recipients: list[tuple[int, int]],
    segment: Segment,
) -> tuple[list[int], list[int], list[Touch], list[EmailClick], Moments, Moments]:
    """Who was sent the newsletter (those with email consent before it went out), the touches
    of each delivery, and who opened and clicked."""
    rng = context.rng
    campaign = send.campaign
    started = send.started_at or context.now
    granted = set(
        Consent.objects.filter(
            channel="email", is_granted=True, recorded_at__lte=started
        ).values_list("contact_id", flat=True)
    )
    account_of = dict(
        SegmentMember.objects.filter(segment=segment).values_list(
            "contact_id", "contact__account_id"
        )
    )
    sent_ids: list[int] = []
    skipped_ids: list[int] = []
    touches: list[Touch] = []
    clicks: list[EmailClick] = []
    opened: Moments = {}
    clicked: Moments = {}
    for position, (rid, contact_id) in enumerate(recipients):
        if contact_id not in granted:
            skipped_ids.append(rid)
            continue
        sent_ids.append(rid)
        at = started + dt.timedelta(seconds=position // 20)
        common = {
            "contact_id": contact_id,
            "account_id": account_of.get(contact_id),
            "channel": Channel.EMAIL,
            "campaign": campaign,
            "utm_source": "tandem",
            "utm_medium": "email",
            "utm_campaign": campaign.utm_campaign if campaign else "",
        }
        touches.append(
            Touch(
                kind=TouchKind.EMAIL_SENT, occurred_at=at, summary=f"Sent “{send.name}”", **common
            )
        )
        if rng.random() < 0.38:
            opened[rid] = at + dt.timedelta(minutes=rng.randint(5, 60 * 48))
            touches.append(
                Touch(
                    kind=TouchKind.EMAIL_OPEN,
                    occurred_at=opened[rid],
                    summary=f"Opened “{send.name}”",
                    **common,
                )
            )
            if rng.random() < 0.22:
                clicked[rid] = opened[rid] + dt.timedelta(seconds=rng.randint(10, 600))
                url = rng.choice(LINKS)
                clicks.append(EmailClick(recipient_id=rid, url=url, first_clicked_at=clicked[rid]))
                touches.append(
                    Touch(
                        kind=TouchKind.EMAIL_CLICK,
                        occurred_at=clicked[rid],
                        summary=f"Clicked {url} in “{send.name}”",
                        **common,
                    )
                )
    return sent_ids, skipped_ids, touches, clicks, opened, clicked


def _stopped(context: DemoContext, sent_ids: list[int], started: dt.datetime) -> int:
    """A few addresses stopped: two bounced, three unsubscribed through the newsletter."""
    rng = context.rng
    stopped = rng.sample(sent_ids, min(5, len(sent_ids)))
    emails = dict(EmailRecipient.objects.filter(pk__in=stopped).values_list("id", "email"))
    Suppression.objects.bulk_create(
        [
            Suppression(
                email=emails[rid],
                email_hash=gate.address_hash(emails[rid]),
                reason=SuppressionReason.BOUNCED if i < 2 else SuppressionReason.UNSUBSCRIBED,
                detail="550 5.1.1 mailbox unknown"
                if i < 2
                else "unsubscribe link in the newsletter",
                created_at=started + dt.timedelta(days=1, hours=i),
            )
            for i, rid in enumerate(stopped)
        ],
        ignore_conflicts=True,
    )
    return len(stopped)


def _opens_and_clicks_record(context: DemoContext, opened: Moments, clicked: Moments) -> None:
    """Each recipient's first open (opened one to three times) and first click."""
    rng = context.rng
    rows = EmailRecipient.objects.in_bulk(list(opened))
    for rid, at in opened.items():
        rows[rid].opened_at, rows[rid].open_count = at, rng.randint(1, 3)
        if rid in clicked:
            rows[rid].clicked_at, rows[rid].click_count = clicked[rid], 1
    EmailRecipient.objects.bulk_update(
        rows.values(), ["opened_at", "open_count", "clicked_at", "click_count"], batch_size=500
    )


def mailing_demo(context: DemoContext) -> dict[str, int]:
    """Two templates, a newsletter sent twelve days ago with its opens, clicks, touches and a few
    stopped addresses, and a webinar invitation as a draft; rows written per table."""
    earlier = EmailSend.objects.filter(name__in=[SEND_NAME, DRAFT_NAME])
    if earlier.filter(recipients__isnull=False).exists():
        return {}  # a second run over a bigger company keeps the first run's email
    earlier.delete()  # left from a company that was wiped
    EmailTemplate.objects.filter(name__in=["Monthly newsletter", "Webinar invitation"]).delete()
    owner = User.objects.filter(role="marketer").order_by("id").first()
    campaign = (
        Campaign.objects.filter(channel=Channel.EMAIL).order_by("id").first()
        or Campaign.objects.order_by("id").first()
    )
    newsletter, webinar = _templates(owner)
    segment = _audience(context)
    started = context.now - dt.timedelta(days=12)
    send = EmailSend.objects.create(
        name=SEND_NAME,
        template=newsletter,
        campaign=campaign,
        from_email="Tandem Marketing <news@example.com>",
        subject=newsletter.subject,
        html_body=newsletter.html_body,
        text_body=newsletter.text_body,
        topic=newsletter.topic,
        status=SendStatus.FINISHED,
        rate_per_second=20,
        owner=owner,
        started_at=started,
    )
    send.segments.set([segment])
    engine.recipients_materialise(send=send)
    # Contacts who arrived after the send went out were not in its audience.
    EmailRecipient.objects.filter(send=send, contact__created_at__gt=started).delete()
    recipients = list(
        EmailRecipient.objects.filter(send=send).order_by("id").values_list("id", "contact_id")
    )
    sent_ids, skipped_ids, touches, clicks, opened, clicked = _deliveries(
        context, send, recipients, segment
    )
    EmailRecipient.objects.filter(pk__in=skipped_ids).update(
        state=RecipientState.SKIPPED, reason="no email consent"
    )
    EmailRecipient.objects.filter(pk__in=sent_ids).update(
        state=RecipientState.SENT, sent_at=started, attempted_at=started
    )
    _opens_and_clicks_record(context, opened, clicked)
    EmailClick.objects.bulk_create(clicks)
    written = Touch.objects.bulk_create(touches, batch_size=1000)
    # created_at is auto_now_add; the demo dates each row at the moment it happened.
    Touch.objects.filter(pk__in=[t.pk for t in written]).update(created_at=F("occurred_at"))
    _attribution_and_score_refresh({t.contact_id for t in written})
    EmailTemplate.objects.filter(pk__in=[newsletter.pk, webinar.pk]).update(
        created_at=started - dt.timedelta(days=3), updated_at=started - dt.timedelta(days=3)
    )
    EmailSend.objects.filter(pk=send.pk).update(created_at=started - dt.timedelta(days=1))
    EmailSend.objects.filter(pk=send.pk).update(
        finished_at=started + dt.timedelta(seconds=len(recipients) // 20 + 1)
    )
    stopped = _stopped(context, sent_ids, started)
    draft = EmailSend.objects.create(
        name=DRAFT_NAME,
        template=webinar,
        campaign=campaign,
        from_email="Tandem Events <events@example.com>",
        owner=owner,
    )
    draft.segments.set([segment])
    EmailSend.objects.filter(pk=draft.pk).update(created_at=context.now - dt.timedelta(hours=3))
    return {
        "email_templates": 2,
        "email_sends": 2,
        "email_recipients": len(recipients),
        "touches": len(touches),
        "suppressions": stopped,
    }
