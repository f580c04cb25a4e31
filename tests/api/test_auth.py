"""Token authentication: a personal token, stored only as its hash, acting with its owner's role."""

import hashlib
import re

import pytest
from django.test import Client

from tandem.access import services as access
from tandem.access.models import ApiToken
from tandem.audit.models import AuditEntry
from tests.api.conftest import Api

UNAUTHENTICATED = {
    "errors": [{"field": "Authorization", "message": "a valid API token is required"}]
}


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="no-header"),
        pytest.param("Bearer", id="no-token"),
        pytest.param("Bearer tdm_not-a-real-token", id="unknown-token"),
        pytest.param("Bearer not-even-our-prefix", id="foreign-token"),
        pytest.param("Token tdm_x", id="wrong-scheme"),
    ],
)
def test_without_a_valid_token_the_answer_is_401_in_the_error_format(db, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = Client(**headers).get("/api/v1/contacts")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_a_revoked_token_is_refused(cast):
    token, raw = access.token_issue(user=cast.marketer, name="old laptop")
    assert Api(raw).get("/contacts").status_code == 200

    access.token_revoke(user=cast.marketer, token_id=token.pk)

    response = Api(raw).get("/contacts")
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_the_token_of_a_deactivated_user_is_refused(cast):
    _, raw = access.token_issue(user=cast.marketer, name="script")
    cast.marketer.is_active = False
    cast.marketer.save(update_fields=["is_active"])

    assert Api(raw).get("/contacts").status_code == 401


def test_only_the_sha256_hash_is_stored_never_the_token(cast):
    token, raw = access.token_issue(user=cast.marketer, name="crm sync")

    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert row["key_prefix"] == raw[:10]
    assert raw.startswith("tdm_") and len(raw) > 40
    assert not any(raw in str(value) for value in row.values())
    assert not any(raw in str(entry.changes) for entry in AuditEntry.objects.all())


def test_the_token_is_shown_once_when_issued(cast):
    client = Client()
    client.force_login(cast.marketer)

    issued = client.post("/tokens/", {"name": "website"})
    shown = re.findall(r"tdm_[A-Za-z0-9_-]{40,}", issued.content.decode())

    assert len(set(shown)) == 1
    raw = shown[0]
    assert Api(raw).get("/contacts").status_code == 200
    assert raw not in client.get("/tokens/").content.decode()


def test_using_a_token_marks_it_used(cast):
    token, raw = access.token_issue(user=cast.marketer, name="script")

    Api(raw).get("/contacts")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_acts_with_its_owners_role(api, cast):
    assert api("marketer").post("/deals", {"name": "Side deal"}).status_code == 403
    assert api("sales_rep").post("/deals", {"name": "Side deal"}).status_code == 201
    assert api("employee").get("/deals").json() == {"items": [], "count": 0}
