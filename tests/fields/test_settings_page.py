"""The settings page: who sees and manages the fields, errors beside the field, audited."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.audit.models import AuditEntry
from tandem.fields.models import CustomField


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_goes_to_login(db):
    response = Client().get("/settings/fields/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_employee_is_refused(cast):
    assert client_for(cast.employee).get("/settings/fields/").status_code == 403


def test_a_rep_reads_the_fields_but_may_not_add_one(cast, defined):
    client = client_for(cast.sales_rep)
    page = client.get("/settings/fields/").content.decode()
    assert "Plants" in page
    assert "Add a field" not in page
    refused = client.post("/settings/fields/?entity=deal", {"label": "Risk", "kind": "text"})
    assert refused.status_code == 403
    assert not CustomField.objects.filter(key="risk").exists()


@pytest.mark.parametrize("role", ["admin", "marketing_manager", "sales_manager"])
def test_a_manager_adds_a_field(cast, role):
    client = client_for(cast.by_role(role))
    response = client.post(
        "/settings/fields/?entity=deal",
        {"label": "Risk level", "kind": "choice", "choices": "Low\nMedium\n\nHigh"},
    )
    assert response.status_code == 302
    field = CustomField.objects.get(entity="deal", key="risk_level")
    assert field.choices == ["Low", "Medium", "High"]
    assert AuditEntry.objects.filter(record_type="fields.customfield", action="create").exists()
    assert "Risk level" in client.get("/settings/fields/?entity=deal").content.decode()


def test_errors_show_beside_the_field(cast, defined):
    client = client_for(cast.admin)
    response = client.post("/settings/fields/?entity=contact", {"label": "Plants", "kind": "text"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="new-key-err">contact already has a field called &#x27;plants&#x27;</p>' in page


def test_edit_move_and_archive(cast, defined):
    client = client_for(cast.marketing_manager)
    client.post(
        f"/settings/fields/{defined.tier.pk}/", {"label": "Tier", "choices": "Gold\nSilver"}
    )
    assert CustomField.objects.get(pk=defined.tier.pk).choices == ["Gold", "Silver"]
    client.post(f"/settings/fields/{defined.budget.pk}/move/", {"direction": "up"})
    order = list(CustomField.objects.filter(entity="contact").values_list("key", flat=True)[:2])
    assert order == ["budget", "plants"]
    client.post(f"/settings/fields/{defined.plants.pk}/archive/", {"is_archived": "1"})
    assert CustomField.objects.get(pk=defined.plants.pk).is_archived


def test_a_rep_may_not_edit(cast, defined):
    response = client_for(cast.sales_rep).post(
        f"/settings/fields/{defined.plants.pk}/", {"label": "Sites"}
    )
    assert response.status_code == 403
    assert CustomField.objects.get(pk=defined.plants.pk).label == "Plants"
