"""An API client per user, signed with a personal token issued through the real service."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tandem.access import services as access


class Api:
    """Talks JSON to /api/v1/ with one user's bearer token."""

    def __init__(self, raw_token: str | None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"} if raw_token else {}
        self.client = Client(**headers)

    def get(self, path: str, **query: Any):
        return self.client.get(f"/api/v1{path}", query)

    def post(self, path: str, body: Any = None):
        return self._send("post", path, body)

    def patch(self, path: str, body: Any = None):
        return self._send("patch", path, body)

    def put(self, path: str, body: Any = None):
        return self._send("put", path, body)

    def delete(self, path: str):
        return self.client.delete(f"/api/v1{path}")

    def _send(self, method: str, path: str, body: Any):
        data = body if isinstance(body, str | bytes) else json.dumps(body or {})
        return getattr(self.client, method)(
            f"/api/v1{path}", data=data, content_type="application/json"
        )


@pytest.fixture
def api(cast):
    """``api("sales_rep")`` — a client acting as that member of the cast."""
    made: dict[str, Api] = {}

    def _for(role: str) -> Api:
        if role not in made:
            _, raw = access.token_issue(user=cast.by_role(role), name=f"{role} script")
            made[role] = Api(raw)
        return made[role]

    return _for


def fields_of(response) -> list[str]:
    """The fields named by an error answer, in order."""
    return [e["field"] for e in response.json()["errors"]]
