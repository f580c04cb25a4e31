"""Fixtures of marketing email: a template, contacts in a segment with consent, a send."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tandem.mailing import engine, services, template_services
from tandem.people import services as people
from tandem.segments.models import Segment, SegmentMember
from tests.factories import AccountFactory, CampaignFactory

HTML = (
    '<html><body><p>Hi {{ contact.first_name|default:"there" }},</p>'
    '<p>{{ account.name }} is invited. <a href="https://example.org/webinar?x=1&amp;y=2">'
    "Save your seat</a> or <a href='https://example.org/agenda'>see the agenda</a>.</p>"
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>'
)
TEXT = 'Hi {{ contact.first_name|default:"there" }},\nSave your seat: https://example.org/webinar\n'


@pytest.fixture(autouse=True)
def one_connection(settings):
    """One SMTP connection per batch: extra threads would open their own database connections,
    which cannot see a test's uncommitted rows (tests/mailing/test_parallel.py commits)."""
    settings.TANDEM_MAIL_CONNECTIONS = 1


@pytest.fixture
def template(cast):
    return template_services.template_create(
        actor=cast.marketer,
        name="Webinar invite",
        subject='{{ contact.first_name|default:"Hello" }}, join us',
        html_body=HTML,
        text_body=TEXT,
    )


def a_contact(cast, number: int, *, consent: bool | None = True, first_name: str | None = None):
    contact = people.contact_create(
        actor=cast.marketer,
        email=f"person{number}@acme.test",
        first_name=f"Per{number}" if first_name is None else first_name,
        account=AccountFactory(name=f"Acme {number}"),
    )
    if consent is not None:
        people.consent_record(contact=contact, channel="email", is_granted=consent, source="test")
    return contact


def segment_of(name: str, contacts, *, is_exclusion: bool = False) -> Segment:
    taken = Segment.objects.filter(name__startswith=name).count()
    segment = Segment.objects.create(
        name=f"{name} {taken + 1}" if taken else name,
        kind=Segment.Kind.STATIC,
        is_exclusion=is_exclusion,
    )
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=segment, contact=c, added_at=timezone.now()) for c in contacts
    )
    return segment


@pytest.fixture
def audience(cast):
    """Five consenting contacts in one segment, in creation order."""
    return [a_contact(cast, n) for n in range(1, 6)]


@pytest.fixture
def campaign(db):
    return CampaignFactory(name="Autumn webinar", utm_campaign="autumn-webinar", channel="email")


@pytest.fixture
def make_send(cast, template, campaign):
    def _make(contacts, *, batch_size=2, exclusions=(), rate=1000, **kw):
        return services.send_create(
            actor=cast.marketer,
            name="Autumn webinar invite",
            template=template,
            segments=[segment_of("Webinar audience", contacts)],
            exclusions=exclusions,
            campaign=campaign,
            from_email="Acme Marketing <news@acme-marketing.test>",
            rate_per_second=rate,
            batch_size=batch_size,
            **kw,
        )

    return _make


@pytest.fixture
def delivered(cast, audience, make_send, smtp_inbox):
    """The send went out to the five contacts; the inbox holds what arrived."""
    from tandem.mailing import engine

    send = make_send(audience, batch_size=10)
    services.send_start(actor=cast.marketer, send=send)
    engine.send_batch_run(send_id=send.pk)
    return send


def message_to(inbox, address: str):
    return next(m for m in inbox.messages if m["To"] == address)


def html_of(message) -> str:
    return message.get_payload()[1].get_payload(decode=True).decode()


def link_paths(message) -> dict[str, list[str]]:
    """The Tandem paths in a message: unsubscribe (header), clicks and the open pixel."""
    import re

    header = "".join(message["List-Unsubscribe"].split())
    html = html_of(message)
    return {
        "unsubscribe": re.findall(r"<http://127\.0\.0\.1:8000(/mail/u/[^>]+)>", header),
        "clicks": re.findall(r"""href=["']http://127\.0\.0\.1:8000(/mail/c/[^"']+)["']""", html),
        "open": re.findall(r'src="http://127\.0\.0\.1:8000(/mail/o/[^"]+)"', html),
    }


def tamper(path: str) -> str:
    """The path with one character of its signature changed."""
    at = path.rstrip("/").removesuffix(".gif").rfind(":") + 3
    return path[:at] + ("A" if path[at] != "A" else "B") + path[at + 1 :]


class WorkerDied(BaseException):
    """The worker process stops dead (not an error the engine could handle)."""


def run_until_the_worker_dies_after_smtp(send, monkeypatch, *, at: int = 3) -> None:
    """Run the send's first batch with a worker that dies after SMTP accepted message ``at``
    and before recording it as sent (the at-most-once boundary), then restore the engine."""
    real_mark_sent, calls = engine.mark_sent, []

    def dying_mark_sent(recipient_id, message_id):
        calls.append(recipient_id)
        if len(calls) == at:
            raise WorkerDied
        return real_mark_sent(recipient_id, message_id)

    monkeypatch.setattr(engine, "mark_sent", dying_mark_sent)
    with pytest.raises(WorkerDied):
        engine.send_batch_run(send_id=send.pk)
    monkeypatch.setattr(engine, "mark_sent", real_mark_sent)
