"""A batch split between several SMTP connections still sends each contact exactly once."""

from __future__ import annotations

import pytest
from django.db import connection

from tandem.mailing import services
from tandem.mailing.models import EmailRecipient
from tandem.mailing.selectors import send_progress
from tests.mailing.conftest import a_contact


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="threads writing at once lock SQLite's test database; PostgreSQL runs it",
)
@pytest.mark.django_db(transaction=True)
def test_three_connections_send_everyone_once_and_honour_consent(
    cast, make_send, smtp_inbox, settings
):
    # given twelve contacts, one of whom withdrew consent, and three connections per batch
    settings.TANDEM_MAIL_CONNECTIONS = 3
    contacts = [a_contact(cast, n, consent=n != 7) for n in range(1, 13)]
    send = make_send(contacts, batch_size=12)

    # when it starts (committed at once here, so its batch task runs right away)
    services.send_start(actor=cast.marketer, send=send)

    # then eleven messages arrived, one each, and the one without consent was skipped
    progress = send_progress(send=send)
    assert (progress.sent, progress.skipped, progress.status) == (11, 1, "finished")
    received = sorted(m["To"] for m in smtp_inbox.messages)
    assert received == sorted(
        {f"person{n}@acme.test" for n in range(1, 13)} - {"person7@acme.test"}
    )
    assert EmailRecipient.objects.get(email="person7@acme.test").reason == "email consent withdrawn"
