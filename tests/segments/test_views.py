"""The segment pages: who may see and edit, the live count, members, import, query counts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tandem.people.models import Contact
from tandem.segments import services
from tandem.segments.models import Segment, SegmentMember, SegmentSize

MAKERS = {
    "match": "all",
    "conditions": [
        {"type": "account_field", "field": "industry", "op": "equals", "value": "Manufacturing"}
    ],
}


@pytest.fixture
def makers(crowd, make_segment):
    return make_segment(MAKERS, name="Makers")


@pytest.fixture
def show(crowd, make_segment):
    return make_segment(None, name="Trade show list", kind=Segment.Kind.STATIC)


def test_anonymous_is_sent_to_sign_in(client, makers):
    response = client.get(reverse("segments:list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("role", "list_status", "new_status"),
    [
        ("marketer", 200, 200),
        ("marketing_manager", 200, 200),
        ("sales_rep", 200, 403),
        ("sales_manager", 200, 403),
        ("leadership", 200, 403),
        ("employee", 403, 403),
    ],
)
def test_who_sees_the_list_and_who_edits(client, cast, makers, role, list_status, new_status):
    client.force_login(cast.by_role(role))
    assert client.get(reverse("segments:list")).status_code == list_status
    assert client.get(reverse("segments:new")).status_code == new_status
    assert client.get(reverse("segments:edit", args=[makers.pk])).status_code == new_status


def test_sales_sees_counts_but_no_edit_buttons(client, cast, makers):
    client.force_login(cast.sales_rep)
    page = client.get(reverse("segments:detail", args=[makers.pk])).content.decode()
    assert "Makers" in page and "Edit rule" not in page and "Rebuild now" not in page
    assert client.post(reverse("segments:rebuild", args=[makers.pk])).status_code == 403


def test_the_list_shows_name_kind_size_and_exclusion(
    client, cast, makers, show, django_assert_num_queries
):
    Segment.objects.filter(pk=show.pk).update(is_exclusion=True)
    client.force_login(cast.marketer)
    with django_assert_num_queries(4):
        response = client.get(reverse("segments:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Makers" in page and "Dynamic (rule)" in page and "Static list" in page
    assert "Exclusion" in page


def test_create_a_segment_through_the_editor(
    client, cast, crowd, django_capture_on_commit_callbacks
):
    client.force_login(cast.marketer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("segments:new"),
            {
                "name": "High scorers",
                "kind": "dynamic",
                "rule": json.dumps(
                    {"match": "all", "conditions": [{"type": "score", "op": "gte", "value": 45}]}
                ),
            },
        )
    segment = Segment.objects.get(name="High scorers")
    assert response.status_code == 302
    assert response["Location"] == reverse("segments:detail", args=[segment.pk])
    assert segment.member_count == 2
    assert segment.owner == cast.marketer


def test_the_editor_names_the_bad_condition(client, cast, crowd):
    client.force_login(cast.marketer)
    response = client.post(
        reverse("segments:new"),
        {
            "name": "Broken",
            "kind": "dynamic",
            "rule": json.dumps(
                {
                    "match": "all",
                    "conditions": [
                        {"type": "score", "op": "gte", "value": 1},
                        {"type": "behaviour", "action": "opened_email", "within_days": -3},
                    ],
                }
            ),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "rule.conditions[1].within_days" in page and "must be at least 1" in page
    assert not Segment.objects.filter(name="Broken").exists()


def test_the_editor_refuses_an_empty_rule(client, cast, crowd):
    client.force_login(cast.marketer)
    response = client.post(
        reverse("segments:new"),
        {"name": "Everyone?", "kind": "dynamic", "rule": '{"match": "all", "conditions": []}'},
    )
    assert "add at least one condition" in response.content.decode()
    assert not Segment.objects.filter(name="Everyone?").exists()


def test_live_count_answers_the_number_or_the_reason(client, cast, crowd):
    client.force_login(cast.marketer)
    url = reverse("segments:count")
    ok = client.post(url, {"rule": json.dumps(MAKERS)}, HTTP_HX_REQUEST="true")
    assert '<span class="value">2</span> contacts match' in ok.content.decode()
    bad = client.post(
        url, {"rule": '{"match": "all", "conditions": [{"type": "score", "op": "gte"}]}'}
    )
    assert "rule.conditions[0].value" in bad.content.decode()
    assert "a whole number is required" in bad.content.decode()
    junk = client.post(url, {"rule": "{nope"})
    assert "the rule is not valid JSON" in junk.content.decode()


def test_live_count_is_for_editors_only(client, cast, crowd):
    client.force_login(cast.sales_rep)
    assert client.post(reverse("segments:count"), {"rule": json.dumps(MAKERS)}).status_code == 403


def test_members_page_is_constant_queries(client, cast, show, crowd, django_assert_num_queries):
    more = [Contact.objects.create(email=f"p{n}@x.test", first_name=f"P{n}") for n in range(60)]
    services.segment_members_add(actor=cast.marketer, segment=show, contacts=[*more, crowd.ann])
    client.force_login(cast.marketer)
    with django_assert_num_queries(8):
        first = client.get(reverse("segments:detail", args=[show.pk]))
    with django_assert_num_queries(8):
        second = client.get(reverse("segments:detail", args=[show.pk]) + "?page=2")
    assert first.status_code == 200 and second.status_code == 200
    assert "61 members" in first.content.decode()
    assert first.content.decode().count('name="contact"') == 50
    assert second.content.decode().count('name="contact"') == 11


def test_add_and_remove_by_hand(client, cast, show, crowd):
    client.force_login(cast.marketer)
    client.post(reverse("segments:members_add", args=[show.pk]), {"email": " ANN@acme.test "})
    client.post(reverse("segments:members_add", args=[show.pk]), {"email": "bob@shopline.test"})
    show.refresh_from_db()
    assert show.member_count == 2
    client.post(reverse("segments:members_remove", args=[show.pk]), {"contact": [crowd.ann.pk]})
    show.refresh_from_db()
    assert show.member_count == 1
    assert list(
        SegmentMember.objects.filter(segment=show).values_list("contact__email", flat=True)
    ) == ["bob@shopline.test"]


def test_csv_import_stores_good_rows_and_reports_bad_ones_by_line(client, cast, show, crowd):
    csv_text = (
        "name,Email\n"
        "Ann,ann@acme.test\n"
        "Nobody,nobody@nowhere.test\n"
        "Broken,not-an-address\n"
        "Bob,BOB@shopline.test\n"
        "Ann again,ann@acme.test\n"
        "Empty,\n"
    )
    client.force_login(cast.marketer)
    response = client.post(
        reverse("segments:members_import", args=[show.pk]),
        {"file": SimpleUploadedFile("show.csv", csv_text.encode(), content_type="text/csv")},
    )
    page = response.content.decode()
    assert "2 contacts added" in page
    assert "3 rows not imported" in page
    result = services.segment_members_import(actor=cast.marketer, segment=show, csv_text=csv_text)
    assert result.added == 0 and result.already == 2
    assert result.errors == [
        (3, "no contact has the address nobody@nowhere.test"),
        (4, "'not-an-address' is not a valid email address"),
        (7, "an email address is required"),
    ]
    show.refresh_from_db()
    assert show.member_count == 2


def test_csv_without_an_email_column_is_refused(client, cast, show):
    client.force_login(cast.marketer)
    response = client.post(
        reverse("segments:members_import", args=[show.pk]),
        {"file": SimpleUploadedFile("x.csv", b"name\nAnn\n", content_type="text/csv")},
    )
    assert "one of them “email”" in response.content.decode()


def test_rebuild_from_the_page_runs_the_task(
    client, cast, makers, crowd, django_capture_on_commit_callbacks
):
    client.force_login(cast.marketer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("segments:rebuild", args=[makers.pk]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    makers.refresh_from_db()
    assert makers.rebuild_status == Segment.RebuildStatus.IDLE
    assert makers.member_count == 2


def test_detail_shows_the_rule_in_words_and_the_size_chart(client, cast, makers):
    client.force_login(cast.marketer)
    page = client.get(reverse("segments:detail", args=[makers.pk])).content.decode()
    assert "Industry is “Manufacturing”" in page
    assert "<svg" not in page  # one sample is no trend
    SegmentSize.objects.create(
        segment=makers, measured_at=makers.rebuilt_at - dt.timedelta(days=7), member_count=1
    )
    page = client.get(reverse("segments:detail", args=[makers.pk])).content.decode()
    assert "<svg" in page
