"""Comments on segments, content assets and campaigns: posted, shown, and mentions checked
against who may see the record (employees see no segment, asset or campaign)."""

from __future__ import annotations

import pytest

from tandem.collaboration import services
from tandem.collaboration.models import Comment, Notification
from tandem.marketing import campaign_services, content
from tandem.segments import services as segments


@pytest.fixture
def segment(cast):
    return segments.segment_create(actor=cast.marketer, name="Key accounts", kind="static")


@pytest.fixture
def asset(cast):
    return content.asset_create(
        actor=cast.marketer,
        title="Acme case study",
        kind="case_study",
        link="https://example.test/acme.pdf",
    )


@pytest.fixture
def campaign(cast):
    return campaign_services.campaign_create(
        actor=cast.marketer, name="Spring webinar", channel="webinar"
    )


TARGETS = [
    pytest.param("segment", "segment", "/segments/{pk}/", id="segment"),
    pytest.param("asset", "content_asset", "/marketing/content/{pk}/", id="content-asset"),
    pytest.param("campaign", "campaign", "/marketing/campaigns/{pk}/", id="campaign"),
]


@pytest.mark.parametrize(("fixture", "resource", "page"), TARGETS)
def test_a_rep_posts_on_the_page_and_the_mentioned_marketer_is_notified_by_email(
    cast, login, request, mailoutbox, django_capture_on_commit_callbacks, fixture, resource, page
):
    target = request.getfixturevalue(fixture)
    url = page.format(pk=target.pk)
    client = login(cast.sales_rep)

    # given the record's page shows its conversation
    assert 'id="conversation"' in client.get(url).content.decode()

    # when a sales rep posts a comment mentioning a marketer through the page's form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/inbox/comments/{resource}/{target.pk}/",
            {"body": "@mia is this ready for the east coast?"},
            HTTP_HX_REQUEST="true",
        )

    # then the thread comes back with it, it is stored on the record, and mia is told
    assert response.status_code == 200
    assert "is this ready for the east coast?" in response.content.decode()
    comment = Comment.objects.get()
    assert getattr(comment, f"{resource}_id") == target.pk
    assert comment.target == target
    notification = Notification.objects.get()
    assert notification.recipient == cast.marketer
    assert notification.url == url
    assert notification.text.endswith(f"mentioned you on {resource.replace('_', ' ')} {target}")
    assert [m.to for m in mailoutbox] == [[cast.marketer.email]]
    # and the page shows the comment afterwards
    assert "is this ready for the east coast?" in client.get(url).content.decode()


@pytest.mark.parametrize(("fixture", "resource", "page"), TARGETS)
def test_mentioning_an_employee_who_may_not_see_the_record_tells_them_nothing(
    cast, request, mailoutbox, django_capture_on_commit_callbacks, fixture, resource, page
):
    target = request.getfixturevalue(fixture)

    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(
            actor=cast.marketer, target=target, body=f"@eve @sam thoughts on {target}?"
        )

    # then only sam (sales sees segments, assets and campaigns) is told; eve hears nothing
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["sam"]
    assert [m.to for m in mailoutbox] == [[cast.sales_rep.email]]
    assert [u.username for u in comment.mentioned.all()] == ["sam"]


@pytest.mark.parametrize(("fixture", "resource", "page"), TARGETS)
def test_an_employee_may_neither_read_nor_post_the_conversation(
    cast, login, request, fixture, resource, page
):
    target = request.getfixturevalue(fixture)
    services.comment_add(actor=cast.marketer, target=target, body="internal plan")
    client = login(cast.employee)

    assert client.get(page.format(pk=target.pk)).status_code == 403
    posted = client.post(f"/inbox/comments/{resource}/{target.pk}/", {"body": "hello"})
    assert posted.status_code == 403
    assert Comment.objects.count() == 1


def test_a_comment_may_point_at_one_record_only(cast, segment, asset):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(
            author=cast.marketer, body="both", segment=segment, content_asset=asset
        )
