"""The contact page's buttons, the erase's confirm step, and the API's two routes."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.test import Client

from tandem.audit.models import AuditEntry
from tandem.people import services as people
from tandem.people.models import Contact
from tests.api.conftest import api  # noqa: F401  (the fixture)

ADDRESS = "nina.north@example.test"


@pytest.fixture
def nina(cast):
    return people.contact_create(
        actor=cast.admin, email=ADDRESS, first_name="Nina", last_name="North", phone="555 0101"
    )


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_contact_page_offers_download_and_erase_to_an_admin(cast, nina):
    page = _signed_in(cast.admin).get(f"/contacts/{nina.pk}/").content.decode()
    assert f"/privacy/contacts/{nina.pk}/personal-data.zip" in page
    assert f"/privacy/contacts/{nina.pk}/erase/" in page


def test_a_marketing_manager_may_download_but_not_erase(cast, nina):
    client = _signed_in(cast.marketing_manager)
    page = client.get(f"/contacts/{nina.pk}/").content.decode()
    assert "personal-data.zip" in page and "/erase/" not in page
    response = client.get(f"/privacy/contacts/{nina.pk}/personal-data.zip")
    assert response["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("personal-data.json"))
    assert data["contact"]["email"] == ADDRESS
    assert client.get(f"/privacy/contacts/{nina.pk}/erase/").status_code == 403


def test_a_sales_rep_sees_neither(cast, nina):
    client = _signed_in(cast.sales_rep)
    page = client.get(f"/contacts/{nina.pk}/").content.decode()
    assert "personal-data.zip" not in page and "/erase/" not in page
    assert client.get(f"/privacy/contacts/{nina.pk}/personal-data.zip").status_code == 403


def test_the_erase_page_asks_for_the_address_before_erasing(cast, nina):
    client = _signed_in(cast.admin)
    page = client.get(f"/privacy/contacts/{nina.pk}/erase/")
    assert f"Type {ADDRESS} to confirm" in page.content.decode()

    wrong = client.post(f"/privacy/contacts/{nina.pk}/erase/", {"confirm_email": "nina@x.test"})
    assert wrong.status_code == 422
    assert "type the contact&#x27;s email address to confirm" in wrong.content.decode()
    assert Contact.objects.get(pk=nina.pk).first_name == "Nina"

    done = client.post(f"/privacy/contacts/{nina.pk}/erase/", {"confirm_email": ADDRESS.upper()})
    assert done.status_code == 302 and done["Location"] == f"/contacts/{nina.pk}/"
    assert Contact.objects.get(pk=nina.pk).first_name == "Erased"


def test_the_api_answers_the_zip_to_a_marketing_manager(api, nina):  # noqa: F811
    response = api("marketing_manager").get(f"/contacts/{nina.pk}/personal-data")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="personal-data-contact-{nina.pk}.zip"'
    )
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names[:2] == ["personal-data.json", "people.Contact.csv"]
    entry = AuditEntry.objects.get(changes__has_key="personal_data_exported")
    assert (entry.actor_label, entry.record_label) == ("max", f"contact #{nina.pk}")
    assert api("marketer").get(f"/contacts/{nina.pk}/personal-data").status_code == 403


def test_the_api_erases_for_an_admin_who_confirms(api, nina):  # noqa: F811
    path = f"/contacts/{nina.pk}/erase"
    assert api("marketing_manager").post(path, {"confirm_email": ADDRESS}).status_code == 403
    wrong = api("admin").post(path, {"confirm_email": "x@y.test"})
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "confirm_email")
    done = api("admin").post(path, {"confirm_email": ADDRESS})
    assert (done.status_code, done.json()) == (200, {"id": nina.pk, "erased": True})
    erased = Contact.objects.get(pk=nina.pk).email
    assert erased == f"erased-{nina.pk}@erased.invalid"
    again = api("admin").post(path, {"confirm_email": erased})
    assert again.json()["errors"] == [
        {"field": "confirm_email", "message": "this contact was erased already"}
    ]
