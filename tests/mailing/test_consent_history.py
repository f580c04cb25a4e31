"""A contact's consent history through every door that changes it: a form, an import, the API,
the one-click unsubscribe, the preference page's topics and re-subscribe; read back by the API
and on the contact page, newest first."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from tandem.access import services as access
from tandem.imports import services as imports
from tandem.imports.running import job_run
from tandem.mailing import engine, services
from tandem.mailing.models import Suppression, Topic
from tandem.people.models import Consent, ConsentEntry
from tests.api.conftest import Api
from tests.mailing.conftest import link_paths, message_to

ADDRESS = "ann@acme.test"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def api(cast):
    """``api("marketer")`` — a token client acting as that member of the cast."""

    def _for(role: str) -> Api:
        _, raw = access.token_issue(user=cast.by_role(role), name=f"{role} script")
        return Api(raw)

    return _for


def an_import(user, text: str):
    job = imports.import_upload(
        user=user, file=io.BytesIO(text.encode()), filename="crm.csv", object_type="contacts"
    )
    imports.import_configure(
        user=user,
        job=job,
        mapping={"Email": "email", "Marketing emails": "consent.email"},
        value_maps=job.value_maps,
    )
    imports.import_start(user=user, job=job)
    job_run(job.pk)
    job.refresh_from_db()
    return job


def history(contact) -> list[tuple]:
    return list(
        ConsentEntry.objects.filter(contact=contact)
        .order_by("-recorded_at", "-id")
        .values_list("action", "channel", "topic_name", "source", "actor__username")
    )


def test_consent_history_through_form_import_api_unsubscribe_and_resubscribe(
    cast,
    submit,
    contact_of,
    api,
    make_send,
    smtp_inbox,
):
    # a visitor ticks the box on the form
    submit()
    ann = contact_of(ADDRESS)
    first = ConsentEntry.objects.get(contact=ann)
    assert (first.action, first.source, first.actor) == ("granted", "form:demo", None)
    assert first.wording == ann.form_submissions.get().form.consent_wording != ""

    # an import from the old CRM says they opted out
    an_import(cast.admin, f"Email,Marketing emails\r\n{ADDRESS},opted out\r\n")

    # a marketer records on the API that they said yes again on the phone
    response = api("marketer").post(
        f"/contacts/{ann.pk}/consent",
        {"channel": "email", "is_granted": True, "wording": "Yes, on the phone."},
    )
    assert response.status_code == 201, response.content
    assert (response.json()["action"], response.json()["actor"]) == ("regranted", "mia")

    # a campaign email goes out; they use its one-click unsubscribe
    send = make_send([ann], batch_size=10)
    services.send_start(actor=cast.marketer, send=send)
    engine.send_batch_run(send_id=send.pk)
    url = link_paths(message_to(smtp_inbox, ADDRESS))["unsubscribe"][0]
    client = Client(enforce_csrf_checks=True)
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200

    # then, on the preference page, they subscribe again but leave the events topic
    Topic.objects.create(name="Events")
    assert client.post(url, {"action": "resubscribe"}).status_code == 200
    events = Topic.objects.get(name="Events")
    assert client.post(url, {"action": "topics", "topic_out": [events.pk]}).status_code == 200

    # the log holds every statement, newest first; the current state follows the last one
    assert history(ann) == [
        ("withdrawn", "email", "Events", "preference page", None),
        ("regranted", "email", "", "re-subscribed (preference page)", None),
        ("withdrawn", "email", "", "unsubscribe link: Autumn webinar invite", None),
        ("regranted", "email", "", "api", "mia"),
        ("withdrawn", "email", "", "import", "ada"),
        ("granted", "email", "", "form:demo", None),
    ]
    consent = Consent.objects.get(contact=ann, channel="email")
    assert (consent.is_granted, consent.source) == (True, "re-subscribed (preference page)")
    assert not Suppression.objects.filter(email=ADDRESS).exists()

    # and the API and the contact page show the same history
    log = api("marketer").get(f"/contacts/{ann.pk}/consent-log").json()
    assert [(e["action"], e["topic_name"], e["source"], e["actor"]) for e in log] == [
        (a, t, s, u or "") for a, _, t, s, u in history(ann)
    ]
    page = Client()
    page.force_login(cast.marketer)
    html = page.get(f"/contacts/{ann.pk}/").content.decode()
    section = html[html.index('id="consent-history"') :]
    assert section.index("Events") < section.index("unsubscribe link: Autumn webinar invite")
    assert section.index("Yes, on the phone.") < section.index("form:demo")


def test_a_withdrawal_is_recorded_by_hand_on_the_contact_page(cast, submit, contact_of):
    submit()
    ann = contact_of(ADDRESS)
    page = Client()
    page.force_login(cast.marketer)

    response = page.post(
        f"/contacts/{ann.pk}/consent/",
        {"channel": "email", "wording": "Asked us to stop, at the fair."},
    )

    assert response.status_code == 302
    assert history(ann)[0] == ("withdrawn", "email", "", "manual", "mia")
    assert Consent.objects.get(contact=ann, channel="email").is_granted is False
    assert "Asked us to stop, at the fair." in page.get(f"/contacts/{ann.pk}/").content.decode()


@pytest.mark.parametrize("role", ["sales_rep", "employee"])
def test_only_who_may_change_the_contact_records_consent_for_it(
    role,
    cast,
    submit,
    contact_of,
    api,
):
    submit()
    ann = contact_of(ADDRESS)
    ann.owner = cast.teammate_rep
    ann.save(update_fields=["owner"])

    response = api(role).post(f"/contacts/{ann.pk}/consent", {"channel": "sms", "is_granted": True})

    assert response.status_code in (403, 404)
    assert not ConsentEntry.objects.filter(contact=ann, channel="sms").exists()


def test_an_undone_import_adds_its_correction_to_the_log(cast, submit, contact_of):
    # given a contact who agreed on a form, and an import that said they opted out
    submit()
    ann = contact_of(ADDRESS)
    job = an_import(cast.admin, f"Email,Marketing emails\r\n{ADDRESS},opted out\r\n")

    # when the import is undone
    imports.import_undo(user=cast.admin, job=job)

    # then consent is back as it was, and the log says so after the import's statement
    assert Consent.objects.get(contact=ann, channel="email").is_granted is True
    assert [a[:4] for a in history(ann)] == [
        ("regranted", "email", "", "import undone"),
        ("withdrawn", "email", "", "import"),
        ("granted", "email", "", "form:demo"),
    ]
