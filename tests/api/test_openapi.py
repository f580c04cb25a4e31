"""The OpenAPI schema is a reviewed snapshot; the schema and its docs page are served offline.

After a deliberate change to the API, rewrite the snapshot and review the diff:
``UPDATE_SNAPSHOTS=1 pytest tests/api/test_openapi.py``.
"""

import json
import os
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import Client

from tandem.api import api

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def _schema_text() -> str:
    return json.dumps(api.get_openapi_schema(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_schema_matches_the_snapshot():
    current = _schema_text()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot yet: run with UPDATE_SNAPSHOTS=1"
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        "the API schema changed: if on purpose, run UPDATE_SNAPSHOTS=1 pytest "
        "tests/api/test_openapi.py and review the diff of tests/api/openapi.snapshot.json"
    )


def test_schema_is_served_without_a_token(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.json() == json.loads(_schema_text())


def test_docs_page_loads_its_assets_from_tandem_not_a_cdn(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    assert "//cdn" not in html and "https://" not in html
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not shipped"


def test_every_documented_error_uses_the_one_error_format():
    schema = api.get_openapi_schema()
    documented = [
        (method, path, int(status), answer["content"]["application/json"]["schema"]["$ref"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, answer in operation["responses"].items()
        if int(status) >= 400
    ]

    assert documented
    assert {ref for *_, ref in documented} == {"#/components/schemas/ErrorOut"}
