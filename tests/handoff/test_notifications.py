"""A rep hears about a new lead by email, sent over SMTP by a background task."""

import pytest
from django.core.management import call_command

from tandem.handoff.models import Lead


def test_rep_gets_an_email_over_smtp_when_a_lead_is_assigned(
    cast, submit, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit()

    lead = Lead.objects.get()
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["To"] == cast.sales_rep.email
    assert message["Subject"] == "New lead for you: Ann Archer"
    body = message.get_payload()
    assert "Spring webinar" in body and f"score {lead.score_at_handoff}" in body


# The worker opens and closes its own database connections, so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_queued_notifications(cast, submit, smtp_inbox, settings):
    # given the real queue: tasks wait in the database until a worker runs them
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    submit()
    assert smtp_inbox.messages == []

    # when the worker drains the queue
    call_command("db_worker", batch=True, interval=0, verbosity=0)

    # then the email arrives
    assert [m["To"] for m in smtp_inbox.messages] == [cast.sales_rep.email]
