"""Text input at every door: a NUL is refused naming the field, bidi overrides are dropped
(through the API and a page, on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.core.text_hygiene import text_clean, tree_clean
from tandem.errors import InvalidInput
from tandem.people.models import Contact

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"


def test_overrides_are_dropped_and_other_text_kept():
    assert text_clean(f"Ann{RLO}exe.txt{PDF}", field="name") == "Annexe.txt"
    assert text_clean(f"{LRI}Zoë ﻿שלום{PDI}", field="name") == "Zoë ﻿שלום"


def test_a_nul_is_named_by_its_path():
    with pytest.raises(InvalidInput) as caught:
        tree_clean({"items": [{"first_name": "ok"}, {"first_name": "b\x00d"}]})
    assert caught.value.errors == {"items.1.first_name": "must not contain a NUL character"}


def test_the_api_refuses_a_nul_naming_the_field(api):
    answer = api("marketer").post("/contacts", {"email": "nul@bolt.test", "first_name": "Ro\x00b"})

    assert answer.status_code == 422
    assert answer.json() == {
        "errors": [{"field": "first_name", "message": "must not contain a NUL character"}]
    }
    assert not Contact.objects.filter(email="nul@bolt.test").exists()


def test_the_api_stores_names_without_bidi_overrides(api):
    answer = api("marketer").post(
        "/contacts", {"email": "bidi@bolt.test", "first_name": f"Ann{RLO}anna{PDF}"}
    )

    assert answer.status_code == 201, answer.content
    assert Contact.objects.get(email="bidi@bolt.test").first_name == "Annanna"


def test_a_page_refuses_a_nul_naming_the_field(cast):
    client = Client()
    client.force_login(cast.marketer)

    answer = client.post("/contacts/new/", {"email": "nul@bolt.test", "first_name": "Ro\x00b"})

    assert answer.status_code == 422
    assert "first_name must not contain a NUL character" in answer.content.decode()
    assert not Contact.objects.filter(email="nul@bolt.test").exists()


def test_a_page_stores_names_without_bidi_overrides(cast):
    client = Client()
    client.force_login(cast.marketer)

    client.post("/contacts/new/", {"email": "bidi@bolt.test", "first_name": f"{LRI}Lee{PDI}"})

    assert Contact.objects.get(email="bidi@bolt.test").first_name == "Lee"


def test_a_search_with_a_nul_is_refused_not_a_server_error(cast):
    client = Client()
    client.force_login(cast.marketer)

    assert client.get("/contacts/", {"q": "a\x00b"}).status_code == 422
