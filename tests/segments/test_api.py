"""The segments API: rules checked with errors naming the path, members, rebuild, count."""

from __future__ import annotations

import pytest

from tandem.segments import services
from tandem.segments.models import Segment

MAKERS = {
    "match": "all",
    "conditions": [
        {"type": "account_field", "field": "industry", "op": "equals", "value": "Manufacturing"}
    ],
}


def test_create_builds_and_lists(api, crowd, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = api("marketer").post("/segments", {"name": "Makers", "rule": MAKERS})
    assert created.status_code == 201
    segment_id = created.json()["id"]
    got = api("sales_rep").get(f"/segments/{segment_id}").json()
    assert (got["name"], got["member_count"], got["rebuild_status"]) == ("Makers", 2, "idle")
    listed = api("sales_rep").get("/segments").json()
    assert [s["name"] for s in listed["items"]] == ["Makers"]


def test_a_bad_rule_is_422_naming_the_path(api, crowd):
    response = api("marketer").post(
        "/segments",
        {
            "name": "Bad",
            "rule": {
                "match": "all",
                "conditions": [
                    {"type": "score", "op": "gte", "value": 10},
                    {"type": "contact_field", "field": "title", "op": "contains", "value": "vp"},
                    {"type": "behaviour", "action": "opened_email", "within_days": "thirty"},
                ],
            },
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {"field": "rule.conditions[2].within_days", "message": "'thirty' is not a whole number"}
        ]
    }
    assert not Segment.objects.filter(name="Bad").exists()


@pytest.mark.parametrize("role", ["sales_rep", "sales_manager", "leadership", "employee"])
def test_only_marketing_and_admins_create(api, crowd, role):
    assert api(role).post("/segments", {"name": "X", "rule": MAKERS}).status_code == 403


def test_employee_cannot_read_segments(api, crowd):
    assert api("employee").get("/segments").json()["items"] == []


def test_update_rule_and_rebuild(api, crowd, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        segment_id = (
            api("marketer").post("/segments", {"name": "Makers", "rule": MAKERS}).json()["id"]
        )
        patched = api("marketing_manager").patch(
            f"/segments/{segment_id}",
            {"rule": {"match": "all", "conditions": [{"type": "score", "op": "gte", "value": 60}]}},
        )
    assert patched.status_code == 200
    assert api("marketer").get(f"/segments/{segment_id}").json()["member_count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        rebuilt = api("marketer").post(f"/segments/{segment_id}/rebuild")
    assert rebuilt.status_code == 202
    members = api("marketer").get(f"/segments/{segment_id}/members").json()
    assert [m["email"] for m in members["items"]] == ["ann@acme.test"]


def test_count_a_draft_rule(api, crowd):
    assert api("marketer").post("/segments/count", {"rule": MAKERS}).json() == {"count": 2}
    bad = api("marketer").post(
        "/segments/count", {"rule": {"match": "all", "conditions": [{"type": "nope"}]}}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "rule.conditions[0].type"


def test_static_members_by_email_report_bad_items_by_index(api, crowd):
    segment_id = api("marketer").post("/segments", {"name": "Show", "kind": "static"}).json()["id"]
    response = api("marketer").post(
        f"/segments/{segment_id}/members",
        {"emails": ["ann@acme.test", "nope", "ghost@x.test", "BOB@shopline.test"]},
    )
    assert response.json() == {
        "added": 2,
        "errors": [
            {"index": 1, "message": "'nope' is not a valid email address"},
            {"index": 2, "message": "no contact has the address ghost@x.test"},
        ],
    }
    assert api("marketer").get(f"/segments/{segment_id}").json()["member_count"] == 2


def test_list_is_constant_queries(api, crowd, cast, django_assert_num_queries):
    for n in range(12):
        services.segment_create(actor=cast.marketer, name=f"S{n}", rule=MAKERS)
    client = api("marketer")
    with django_assert_num_queries(4):
        response = client.get("/segments")

    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 12
    assert sorted(s["name"] for s in items) == sorted(f"S{n}" for n in range(12))
