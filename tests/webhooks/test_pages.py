"""The webhook settings pages: administrators only; the secret shown once."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.webhooks.models import Delivery, Endpoint

URL = "https://93.184.215.14/hooks/tandem"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(db):
    response = Client().get("/settings/webhooks/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "employee"])
def test_other_roles_are_refused(cast, role):
    assert _client(cast.by_role(role)).get("/settings/webhooks/").status_code == 403


def test_admin_adds_an_endpoint_and_sees_its_secret_once(cast):
    client = _client(cast.admin)
    response = client.post(
        "/settings/webhooks/",
        {"url": URL, "description": "CRM sync", "events": ["deal.won", "lead.accepted"],
         "is_enabled": "on"},
    )  # fmt: skip
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["deal.won", "lead.accepted"]
    assert endpoint.secret in response.content.decode()
    page = client.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in page
    assert "Delivery log" in page


def test_a_refused_url_is_shown_beside_the_field(cast):
    response = _client(cast.admin).post(
        "/settings/webhooks/", {"url": "http://169.254.169.254/", "events": ["deal.won"]}
    )
    assert response.status_code == 200
    assert 'id="e-url-err"' in response.content.decode()
    assert Endpoint.objects.count() == 0


def test_leadership_reads_but_may_not_add(cast):
    page = _client(cast.leadership).get("/settings/webhooks/").content.decode()
    assert "Add an endpoint" not in page


def test_rotate_shows_the_new_secret_and_test_queues_a_delivery(cast):
    client = _client(cast.admin)
    client.post("/settings/webhooks/", {"url": URL, "events": ["deal.won"], "is_enabled": "on"})
    endpoint = Endpoint.objects.get()
    old = endpoint.secret
    response = client.post(f"/settings/webhooks/{endpoint.pk}/", {"action": "rotate"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret in response.content.decode()
    client.post(f"/settings/webhooks/{endpoint.pk}/", {"action": "test"})
    assert Delivery.objects.get().event_type == "webhook.test"
