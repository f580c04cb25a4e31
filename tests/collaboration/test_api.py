"""The JSON API of working together beyond comments on deals: comments on segments and
content, the inbox, cross-training, employees' touches, and surveys built and sent."""

from __future__ import annotations

import pytest

from tandem.collaboration import services
from tandem.collaboration.models import Assignment, Notification
from tandem.marketing import campaign_services, content
from tandem.people import services as people
from tandem.sales import services as sales
from tandem.segments import services as segments
from tests.api.conftest import fields_of


@pytest.fixture
def segment(cast):
    return segments.segment_create(actor=cast.marketer, name="Key accounts", kind="static")


@pytest.fixture
def asset(cast):
    return content.asset_create(
        actor=cast.marketer, title="Battlecard", kind="battlecard", link="https://x.test/b"
    )


@pytest.fixture
def campaign(cast):
    return campaign_services.campaign_create(
        actor=cast.marketer, name="Spring webinar", channel="webinar"
    )


@pytest.mark.parametrize(
    ("fixture", "resource"),
    [("segment", "segment"), ("asset", "content_asset"), ("campaign", "campaign")],
    ids=["segment", "content-asset", "campaign"],
)
def test_comments_on_marketing_records_through_the_api(cast, api, request, fixture, resource):
    target = request.getfixturevalue(fixture)

    created = api("sales_rep").post(
        f"/comments/{resource}/{target.pk}", {"body": "@mia @eve does this fit retail?"}
    )

    assert created.status_code == 201
    # eve (employee) may not see it, so she is not counted as mentioned nor told
    assert created.json()["mentioned"] == ["mia"]
    listed = api("marketer").get(f"/comments/{resource}/{target.pk}").json()
    assert [c["body"] for c in listed] == ["@mia @eve does this fit retail?"]
    assert api("employee").get(f"/comments/{resource}/{target.pk}").status_code == 403
    assert api("employee").get("/notifications").json() == []


def test_the_inbox_is_read_and_marked_read_through_the_api(cast, api, segment):
    api("sales_rep").post(f"/comments/segment/{segment.pk}", {"body": "@mia one"})
    api("sales_rep").post(f"/comments/segment/{segment.pk}", {"body": "@mia two"})
    first, second = api("marketer").get("/notifications").json()

    read = api("marketer").post(f"/notifications/{first['id']}/read")

    assert read.status_code == 200 and read.json()["read_at"] is not None
    # someone else's notification is simply not found
    assert api("sales_rep").post(f"/notifications/{second['id']}/read").status_code == 404
    assert api("marketer").post("/notifications/read-all").json() == {"marked": 1}
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_the_email_preference_is_set_through_the_api_and_a_bad_one_names_the_field(cast, api):
    assert api("marketer").get("/notifications/preference").json() == {"email_mode": "immediate"}

    client = api("marketer").client
    ok = client.put(
        "/api/v1/notifications/preference",
        data='{"email_mode": "digest"}',
        content_type="application/json",
    )
    bad = client.put(
        "/api/v1/notifications/preference",
        data='{"email_mode": "hourly"}',
        content_type="application/json",
    )

    assert ok.json() == {"email_mode": "digest"}
    assert bad.status_code == 422 and fields_of(bad) == ["email_mode"]
    assert api("marketer").get("/notifications/preference").json() == {"email_mode": "digest"}


def test_a_marketer_puts_a_rep_on_a_campaign_who_completes_it_with_a_debrief(cast, api, campaign):
    created = api("marketer").post(
        "/assignments",
        {
            "person_id": cast.sales_rep.pk,
            "resource": "campaign",
            "target_id": campaign.pk,
            "goal": "Write the customer quotes",
            "starts_on": "2026-04-01",
            "ends_on": "2026-04-30",
        },
    )
    assert created.status_code == 201, created.content
    assignment = created.json()
    assert (assignment["person"], assignment["role"], assignment["status"]) == (
        "sam",
        "contributor",
        "planned",
    )
    assert [a["id"] for a in api("sales_rep").get("/assignments").json()] == [assignment["id"]]

    done = api("sales_rep").patch(
        f"/assignments/{assignment['id']}",
        {"status": "completed", "debrief": "Learnt how the story is built."},
    )

    assert done.status_code == 200
    assert (done.json()["status"], done.json()["debrief"]) == (
        "completed",
        "Learnt how the story is built.",
    )
    counts = api("leadership").get("/cross-training", day="2026-05-15").json()
    assert counts["total"] == 1
    assert {t["team"]: (t["assignments"], t["completed"]) for t in counts["by_team"]} == {
        "marketing": (0, 0),
        "sales": (1, 1),
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"person_id": 999999}, "person_id", id="unknown-person"),
        pytest.param({"resource": "contact"}, "resource", id="not-campaign-content-or-deal"),
        pytest.param({"target_id": 999999}, "target_id", id="unknown-campaign"),
        pytest.param({"ends_on": "2026-03-01"}, "ends_on", id="ends-before-start"),
        pytest.param({"starts_on": "soon"}, "starts_on", id="not-a-date"),
        pytest.param({"goal": " "}, "goal", id="no-goal"),
        pytest.param({"person_id": "sam"}, "person_id", id="person-not-a-number"),
    ],
)
def test_a_bad_assignment_names_the_field(cast, api, campaign, change, field):
    body = {
        "person_id": cast.sales_rep.pk,
        "resource": "campaign",
        "target_id": campaign.pk,
        "goal": "Help",
        "starts_on": "2026-04-01",
        "ends_on": "2026-04-30",
        **change,
    }

    response = api("marketer").post("/assignments", body)

    assert response.status_code == 422 and fields_of(response) == [field]
    assert Assignment.objects.count() == 0


def test_a_bad_assignment_status_names_the_field(cast, api, campaign):
    made = (
        api("marketer")
        .post(
            "/assignments",
            {
                "person_id": cast.sales_rep.pk,
                "resource": "campaign",
                "target_id": campaign.pk,
                "goal": "Help",
                "starts_on": "2026-04-01",
                "ends_on": "2026-04-30",
            },
        )
        .json()
    )

    response = api("sales_rep").patch(f"/assignments/{made['id']}", {"status": "paused"})
    stranger = api("other_team_rep").patch(f"/assignments/{made['id']}", {"status": "active"})

    assert response.status_code == 422 and fields_of(response) == ["status"]
    assert stranger.status_code == 403


def test_an_employee_logs_a_negative_touch_through_the_api_and_the_deal_owner_is_told(cast, api):

    ann = people.contact_create(actor=cast.marketer, email="ann@acme.test", first_name="Ann")
    sales.deal_open(actor=cast.sales_rep, name="Acme rollout", owner=cast.sales_rep, contact=ann)

    logged = api("employee").post(
        "/touches",
        {
            "contact_id": ann.pk,
            "kind": "call",
            "summary": "Angry about a late delivery",
            "sentiment": "negative",
        },
    )
    missing = api("employee").post("/touches", {"contact_id": 999999, "kind": "call"})

    assert logged.status_code == 201, logged.content
    assert [n["kind"] for n in api("sales_rep").get("/notifications").json()] == ["negative_touch"]
    assert missing.status_code == 422 and fields_of(missing) == ["contact_id"]


def test_a_marketer_builds_and_sends_a_survey_through_the_api(cast, api, segment):
    created = api("marketer").post(
        "/surveys",
        {"title": "Pulse", "questions": [{"kind": "nps", "text": "Recommend us?"}]},
    )
    assert created.status_code == 201 and created.json()["status"] == "draft"

    sent = api("marketer").post(f"/surveys/{created.json()['id']}/send", {"segment_id": segment.pk})

    assert sent.status_code == 200 and sent.json() == {"invited": 0}
    assert (
        api("sales_rep")
        .post(f"/surveys/{created.json()['id']}/send", {"audience_type": "customer"})
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {"title": "", "questions": [{"kind": "nps", "text": "Q"}]}, "title", id="title"
        ),
        pytest.param({"title": "P", "questions": []}, "questions", id="no-questions"),
        pytest.param(
            {"title": "P", "questions": [{"kind": "stars", "text": "Q"}]},
            "questions.1",
            id="bad-kind",
        ),
        pytest.param({"title": "P"}, "questions", id="questions-missing"),
    ],
)
def test_a_bad_survey_names_the_field(cast, api, body, field):
    response = api("marketer").post("/surveys", body)

    assert response.status_code == 422 and fields_of(response) == [field]


def test_a_rep_is_put_on_a_content_piece_through_the_api(cast, api, asset):
    created = api("marketer").post(
        "/assignments",
        {
            "person_id": cast.sales_rep.pk,
            "resource": "content_asset",
            "target_id": asset.pk,
            "goal": "Add objections",
            "starts_on": "2026-04-01",
            "ends_on": "2026-04-30",
        },
    )

    assert created.status_code == 201, created.content
    assert (created.json()["resource"], created.json()["target_id"]) == ("content_asset", asset.pk)


@pytest.mark.parametrize("comments", [1, 6], ids=["one-comment", "six-comments"])
def test_listing_a_conversation_takes_the_same_queries_however_long_it_is(
    cast, api, segment, comments, django_assert_num_queries
):
    for n in range(comments):
        services.comment_add(actor=cast.marketer, target=segment, body=f"@sam note {n}")
    client = api("sales_rep")
    client.get(f"/comments/segment/{segment.pk}")  # the token's first use records its time

    # the token with its owner, the segment, the comments with authors, their mentions
    with django_assert_num_queries(4):
        listed = client.get(f"/comments/segment/{segment.pk}")

    assert listed.status_code == 200
    assert [c["body"] for c in listed.json()] == [f"@sam note {n}" for n in range(comments)]
