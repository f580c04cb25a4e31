"""The batch touch API: thousands per call, idempotent by client id, bad items by index."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from tandem.marketing import ingest
from tandem.people.models import Contact, Touch
from tests.api.conftest import Api
from tests.factories import ContactFactory

URL = "/touches:batch"


def _item(n: int, contact: Contact, **extra) -> dict:
    return {
        "client_id": f"t-{n}",
        "contact_id": contact.pk,
        "kind": "page_visit",
        "channel": "content",
        "occurred_at": f"2026-11-0{1 + n % 9}T10:00:00Z",
        **extra,
    }


def test_a_batch_stores_every_good_touch(cast, api):
    ann = ContactFactory()

    response = api("marketer").post(URL, {"items": [_item(n, ann) for n in range(3)]})

    assert response.status_code == 200
    body = response.json()
    assert (body["stored"], body["duplicates"], body["failed"]) == (3, 0, 0)
    assert body["stored_ids"] == ["t-0", "t-1", "t-2"]
    assert Touch.objects.filter(contact=ann).count() == 3


def test_a_retried_batch_stores_nothing_twice(cast, api):
    ann = ContactFactory()
    items = [_item(n, ann) for n in range(4)]
    api("marketer").post(URL, {"items": items[:2]})

    response = api("marketer").post(URL, {"items": items})

    body = response.json()
    assert (body["stored"], body["duplicates"]) == (2, 2)
    assert body["duplicate_ids"] == ["t-0", "t-1"]
    assert Touch.objects.count() == 4
    assert sorted(Touch.objects.values_list("client_id", flat=True)) == ["t-0", "t-1", "t-2", "t-3"]


def test_client_ids_belong_to_their_sender(cast, api):
    ann = ContactFactory()

    api("marketer").post(URL, {"items": [_item(1, ann)]})
    body = api("sales_rep").post(URL, {"items": [_item(1, ann)]}).json()

    assert body["stored"] == 1
    assert Touch.objects.count() == 2


def test_bad_items_are_reported_by_index_and_field_while_good_ones_are_stored(cast, api):
    ann = ContactFactory(email="ann@acme.test")
    items = [
        _item(0, ann),
        {**_item(1, ann), "kind": "telepathy"},
        {"client_id": "t-2", "email": "ANN@acme.test", "kind": "call"},
        {**_item(3, ann), "contact_id": 999_999},
        {**_item(4, ann), "occurred_at": "yesterday"},
        {"client_id": "t-5", "kind": "call"},
        {**_item(6, ann), "client_id": "t-0"},
        {**_item(7, ann), "colour": "blue"},
        {**_item(8, ann), "email": "nobody@nowhere.test", "contact_id": None},
        "not an object",
        {**_item(10, ann), "occurred_at": "2099-01-01T00:00:00Z"},
        {**_item(11, ann), "campaign_id": 424242},
    ]

    body = api("marketer").post(URL, {"items": items}).json()

    assert (body["stored"], body["failed"]) == (2, 10)
    assert body["stored_ids"] == ["t-0", "t-2"]
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "kind"),
        (3, "contact_id"),
        (4, "occurred_at"),
        (5, "contact_id"),
        (6, "client_id"),
        (7, "colour"),
        (8, "email"),
        (9, ""),
        (10, "occurred_at"),
        (11, "campaign_id"),
    ]
    assert "item 0" in body["errors"][4]["message"]


def test_first_and_last_touch_follow_the_batch(cast, api, campaign):
    ann = ContactFactory()
    items = [
        _item(1, ann, occurred_at="2026-11-05T09:00:00Z", utm_source="newsletter"),
        _item(2, ann, occurred_at="2026-11-01T09:00:00Z", utm_source="google", utm_medium="cpc"),
        _item(3, ann, occurred_at="2026-11-07T09:00:00Z", campaign_id=campaign.pk),
        _item(4, ann, occurred_at="2026-11-08T09:00:00Z"),  # not attributable: a plain visit
    ]

    api("marketer").post(URL, {"items": items})

    ann.refresh_from_db()
    assert (ann.first_touch_at, ann.first_touch_source, ann.first_touch_medium) == (
        dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC),
        "google",
        "cpc",
    )
    assert (ann.last_touch_at, ann.last_touch_campaign_id) == (
        dt.datetime(2026, 11, 7, 9, tzinfo=dt.UTC),
        campaign.pk,
    )


def test_touches_at_the_same_moment_credit_the_earlier_item_first_and_the_later_last(cast, api):
    ann = ContactFactory()
    same = "2026-11-05T09:00:00Z"
    items = [
        _item(1, ann, occurred_at=same, utm_source="newsletter"),
        _item(2, ann, occurred_at=same, utm_source="google"),
        _item(3, ann, occurred_at=same, utm_source="linkedin"),
    ]

    api("marketer").post(URL, {"items": items})

    ann.refresh_from_db()
    assert (ann.first_touch_source, ann.last_touch_source) == ("newsletter", "linkedin")


def test_a_retry_with_new_items_stores_only_the_new_ones_and_keeps_attribution(cast, api):
    ann = ContactFactory()
    first = [_item(1, ann, occurred_at="2026-11-03T09:00:00Z", utm_source="newsletter")]
    api("marketer").post(URL, {"items": first})

    # The retried item is dated later: were it stored again it would move the last touch.
    retry = [{**first[0], "occurred_at": "2026-11-09T09:00:00Z", "utm_source": "resent"}]
    body = api("marketer").post(URL, {"items": [*retry, _item(2, ann)]}).json()

    assert (body["stored_ids"], body["duplicate_ids"]) == (["t-2"], ["t-1"])
    ann.refresh_from_db()
    assert ann.last_touch_source == "newsletter"


def test_a_later_batch_moves_first_and_last_touch_only_past_the_stored_ones(cast, api, campaign):
    ann, bob = ContactFactory(), ContactFactory(email="bob@example.com")
    client = api("marketer")
    client.post(
        URL,
        {
            "items": [
                _item(1, ann, occurred_at="2026-11-05T09:00:00Z", utm_source="newsletter"),
                _item(2, bob, occurred_at="2026-11-05T09:00:00Z", utm_source="newsletter"),
                _item(7, bob, occurred_at="2026-11-01T09:00:00Z"),
            ]
        },
    )
    before = Contact.objects.get(pk=bob.pk).updated_at

    client.post(
        URL,
        {
            "items": [
                # Ann: an earlier touch becomes her first; a later credited one her last.
                _item(3, ann, occurred_at="2026-11-02T09:00:00Z", utm_source="google"),
                _item(4, ann, occurred_at="2026-11-06T09:00:00Z", campaign_id=campaign.pk),
                # Bob: a later plain visit, and a credited touch between his first and his
                # last, change neither.
                _item(5, bob, occurred_at="2026-11-08T09:00:00Z"),
                _item(
                    6,
                    bob,
                    occurred_at="2026-11-03T09:00:00Z",
                    campaign_id=campaign.pk,
                    utm_source="ads",
                ),  # fmt: skip
            ]
        },
    )

    ann.refresh_from_db()
    bob.refresh_from_db()
    assert (ann.first_touch_at, ann.first_touch_source) == (
        dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC),
        "google",
    )
    assert (ann.last_touch_at, ann.last_touch_campaign_id, ann.last_touch_source) == (
        dt.datetime(2026, 11, 6, 9, tzinfo=dt.UTC),
        campaign.pk,
        "content",  # a campaign's touch without utm_source is credited to its channel
    )
    assert (bob.first_touch_at, bob.first_touch_source) == (
        dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC),
        "content",
    )
    assert (bob.last_touch_at, bob.last_touch_source, bob.last_touch_campaign_id) == (
        dt.datetime(2026, 11, 5, 9, tzinfo=dt.UTC),
        "newsletter",
        None,
    )
    assert bob.updated_at == before  # an unchanged contact is not written


def test_utm_campaign_credits_the_campaign(cast, api, campaign):
    ann = ContactFactory()

    api("marketer").post(URL, {"items": [_item(1, ann, utm_campaign="Autumn-Launch")]})

    assert Touch.objects.get().campaign == campaign


def test_interest_touches_make_a_lead_and_rescore_after_the_batch(
    cast, api, django_capture_on_commit_callbacks
):
    ann = ContactFactory(title="VP Sales")
    now = dt.datetime.now(dt.UTC).isoformat()
    items = [
        {"client_id": "a", "contact_id": ann.pk, "kind": "form_submission", "occurred_at": now},
        {"client_id": "b", "contact_id": ann.pk, "kind": "meeting", "occurred_at": now},
    ]

    with django_capture_on_commit_callbacks(execute=True):
        api("marketer").post(URL, {"items": items})

    ann.refresh_from_db()
    # 15 senior title + 10 business email + 5 known company + 30 form + 25 meeting.
    assert ann.score == 85
    assert ann.lifecycle_stage == "mql"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"items": "x"}, "items"), ({}, "items"), ("not json", "")],
)
def test_a_malformed_body_is_refused(cast, api, body, field):
    response = api("marketer").post(URL, body if isinstance(body, dict) else body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_more_than_the_limit_is_refused_whole(cast, api):
    ann = ContactFactory()
    items = [_item(n, ann) for n in range(ingest.BATCH_LIMIT + 1)]

    response = api("marketer").post(URL, {"items": items})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items"
    assert Touch.objects.count() == 0


def test_a_full_batch_of_5000_is_taken_in_few_queries(cast, api, django_assert_num_queries):
    contacts = Contact.objects.bulk_create([Contact(email=f"p{n}@big.test") for n in range(500)])
    items = [
        {
            "client_id": f"c{n}",
            "email": f"p{n % 500}@big.test",
            "kind": "email_open",
            "occurred_at": "2026-11-01T10:00:00Z",
            "utm_source": "newsletter",
        }
        for n in range(5_000)
    ]
    client = api("marketer")
    client.post(URL, {"items": []})  # the token's first use is not what is measured

    # PostgreSQL takes the batch through one temporary table in SQL; SQLite stores it in steps
    # and reads the 500 contacts back in chunks of its bound-parameter limit.
    expected = 7 if connection.vendor == "postgresql" else 19
    with django_assert_num_queries(expected):
        response = client.client.post(
            "/api/v1/touches:batch",
            data=json.dumps({"items": items}),
            content_type="application/json",
        )

    assert response.status_code == 200
    assert response.json()["stored"] == 5_000
    assert Touch.objects.count() == 5_000
    assert len(contacts) == 500


@pytest.mark.parametrize("role", ["leadership"])
def test_a_role_that_may_not_log_touches_is_refused(cast, api, role):
    ann = ContactFactory()

    response = api(role).post(URL, {"items": [_item(1, ann)]})

    assert response.status_code == 403
    assert Touch.objects.count() == 0


def test_anonymous_callers_are_refused(db):
    response = Api(None).post(URL, {"items": []})

    assert response.status_code == 401
