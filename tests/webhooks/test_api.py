"""The webhook API: administrators manage endpoints and read deliveries; nobody else may."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.audit.models import AuditEntry
from tandem.people import services as people
from tandem.webhooks.models import Endpoint
from tests.api.conftest import api  # noqa: F401 — the fixture
from tests.webhooks.verify import signature_valid

URL = "https://93.184.215.14/hooks/tandem"


def test_anonymous_is_refused(db):
    response = Client().get("/api/v1/webhooks/endpoints")
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["marketing_manager", "sales_manager", "employee"])
def test_other_roles_may_not_create_endpoints(api, role):  # noqa: F811
    response = api(role).post("/webhooks/endpoints", {"url": URL, "events": ["deal.won"]})
    assert response.status_code == 403
    assert response.json() == {
        "errors": [{"field": "", "message": "Your role may not create a new webhook endpoint."}]
    }
    assert Endpoint.objects.count() == 0


def test_other_roles_see_no_endpoints(api, cast):  # noqa: F811
    api("admin").post("/webhooks/endpoints", {"url": URL, "events": ["deal.won"]})
    assert api("sales_manager").get("/webhooks/endpoints").json() == []


def test_admin_creates_an_endpoint_and_sees_the_secret_once(api, cast):  # noqa: F811
    # when the admin creates an endpoint
    created = api("admin").post(
        "/webhooks/endpoints", {"url": URL, "events": ["deal.won", "contact.created"]}
    )
    # then the answer carries the secret, later reads do not
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["contact.created", "deal.won"]
    read = api("admin").get(f"/webhooks/endpoints/{body['id']}").json()
    assert "secret" not in read
    # and the audit trail has the creation without the secret
    entry = AuditEntry.objects.get(record_type="webhooks.endpoint", action="create")
    assert entry.changes["secret"][1].startswith("sha256:")
    assert body["secret"] not in str(entry.changes)


def test_bad_input_names_the_field(api, cast):  # noqa: F811
    response = api("admin").post(
        "/webhooks/endpoints", {"url": "http://10.0.0.1/x", "events": ["deal.nope"]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"
    response = api("admin").post("/webhooks/endpoints", {"url": URL, "events": ["deal.nope"]})
    assert response.json() == {
        "errors": [{"field": "events", "message": "unknown event types: deal.nope"}]
    }


@pytest.mark.django_db(transaction=True)
def test_admin_reads_deliveries_tests_rotates_and_replays(api, cast, receiver, allow_loopback):  # noqa: F811
    admin = api("admin")
    made = admin.post("/webhooks/endpoints", {"url": receiver.url, "events": ["contact.created"]})
    endpoint_id, secret = made.json()["id"], made.json()["secret"]
    people.contact_create(actor=cast.marketer, email="ann@acme.test")
    # the test event goes out at once, signed
    tested = admin.post(f"/webhooks/endpoints/{endpoint_id}/test")
    assert tested.status_code == 202
    assert [r.body.startswith(b'{"type":"webhook.test"') for r in receiver.received] == [
        False,
        True,
    ]
    assert signature_valid(secret, receiver.received[1].headers, receiver.received[1].body)
    # the log lists both, newest first, filterable by event type
    listed = admin.get("/webhooks/deliveries", event_type="contact.created").json()
    assert [d["event_type"] for d in listed["items"]] == ["contact.created"]
    assert listed["items"][0]["last_status_code"] == 200
    detail = admin.get(f"/webhooks/deliveries/{listed['items'][0]['id']}").json()
    assert [(a["number"], a["status_code"]) for a in detail["attempt_log"]] == [(1, 200)]
    # a replay sends it again
    replayed = admin.post(f"/webhooks/deliveries/{detail['id']}/replay")
    assert replayed.status_code == 202
    assert len(receiver.received) == 3
    # a rotation answers the new secret once
    rotated = admin.post(f"/webhooks/endpoints/{endpoint_id}/rotate-secret").json()
    assert rotated["secret"] != secret and rotated["previous_secret_expires_at"]
    # other roles may not read the log
    assert api("marketer").get(f"/webhooks/deliveries/{detail['id']}").status_code == 403
    assert api("marketer").post(f"/webhooks/deliveries/{detail['id']}/replay").status_code == 403
