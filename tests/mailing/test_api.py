"""The email API: create a send, start, pause, resume, progress."""

from __future__ import annotations

import pytest

from tandem.access import services as access
from tandem.mailing.models import EmailSend
from tests.api.conftest import Api
from tests.mailing.conftest import segment_of


@pytest.fixture
def api(cast):
    def _for(role: str) -> Api:
        _, raw = access.token_issue(user=cast.by_role(role), name=f"{role} script")
        return Api(raw)

    return _for


def test_a_send_is_created_started_and_followed_through_the_api(
    cast, api, template, audience, campaign, smtp_inbox, django_capture_on_commit_callbacks
):
    # given a segment
    segment = segment_of("Everyone", audience)
    marketer = api("marketer")

    # when a script creates a send and starts it
    created = marketer.post(
        "/email-sends",
        {
            "name": "API send",
            "template_id": template.pk,
            "segment_ids": [segment.pk],
            "campaign_id": campaign.pk,
            "from_email": "news@acme-marketing.test",
            "rate_per_second": 500,
            "batch_size": 2,
        },
    )
    assert created.status_code == 201
    send_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        started = marketer.post(f"/email-sends/{send_id}/start")

    # then the progress says everyone was sent
    assert started.status_code == 200
    progress = marketer.get(f"/email-sends/{send_id}").json()
    assert progress["status"] == "finished"
    assert {k: progress["progress"][k] for k in ("total", "sent", "pending", "percent")} == {
        "total": 5,
        "sent": 5,
        "pending": 0,
        "percent": 100,
    }
    assert len(smtp_inbox.messages) == 5


def test_pause_and_resume_through_the_api(cast, api, template, audience):
    segment = segment_of("Everyone", audience)
    marketer = api("marketer")
    send_id = marketer.post(
        "/email-sends", {"name": "S", "template_id": template.pk, "segment_ids": [segment.pk]}
    ).json()["id"]

    # start without running the batches (they run after commit), then pause and resume
    assert marketer.post(f"/email-sends/{send_id}/start").json()["status"] == "sending"
    assert marketer.post(f"/email-sends/{send_id}/pause").json()["status"] == "paused"
    assert marketer.post(f"/email-sends/{send_id}/resume").json()["status"] == "sending"
    again = marketer.post(f"/email-sends/{send_id}/start")
    assert again.status_code == 422
    assert again.json()["errors"] == [
        {"field": "status", "message": "this send is already Sending"}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template_id": 999_999, "segment_ids": [1]}, "template_id"),
        ({"segment_ids": [999_999]}, "segment_ids"),
        ({"segment_ids": []}, "segment_ids"),
        ({"rate_per_second": 0}, "rate_per_second"),
        ({"from_email": "nobody"}, "from_email"),
    ],
    ids=["template", "segment", "no-segment", "rate", "sender"],
)
def test_bad_input_names_the_field(cast, api, template, audience, body, field):
    segment = segment_of("Everyone", audience)
    payload = {"name": "S", "template_id": template.pk, "segment_ids": [segment.pk], **body}

    response = api("marketer").post("/email-sends", payload)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not EmailSend.objects.exists()


@pytest.mark.parametrize("role", ["sales_rep", "sales_manager", "leadership", "employee"])
def test_only_marketing_and_admins_create_sends(cast, api, template, audience, role):
    segment = segment_of("Everyone", audience)
    response = api(role).post(
        "/email-sends", {"name": "S", "template_id": template.pk, "segment_ids": [segment.pk]}
    )
    assert response.status_code in (403, 422)
    assert not EmailSend.objects.exists()


def test_the_send_list_takes_a_fixed_number_of_queries(
    cast, api, make_send, audience, django_assert_num_queries
):
    for _ in range(3):
        make_send(audience)
    client = api("marketing_manager")

    with django_assert_num_queries(4):
        response = client.get("/email-sends")

    assert response.status_code == 200 and len(response.json()["items"]) == 3
    assert [send["name"] for send in response.json()["items"]] == ["Autumn webinar invite"] * 3
