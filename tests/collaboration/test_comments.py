"""Comments with @mentions: who is told, what is stored, how it is shown."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tandem.collaboration import services
from tandem.collaboration.models import Comment, Notification
from tandem.errors import InvalidInput


def test_a_mention_notifies_a_colleague_who_may_see_the_record(cast, deal):
    # when the deal's owner mentions a marketer (marketing sees every deal)
    comment = services.comment_add(
        actor=cast.sales_rep, target=deal, body="@mia which webinar did they attend?"
    )

    # then the marketer gets one notification pointing at the deal
    notification = Notification.objects.get()
    assert notification.recipient == cast.marketer
    assert notification.kind == "mention"
    assert notification.text == f"{cast.sales_rep} mentioned you on deal Acme rollout"
    assert notification.url == f"/sales/deals/{deal.pk}/"
    assert notification.comment == comment
    assert list(comment.mentioned.all()) == [cast.marketer]


@pytest.mark.parametrize(
    ("author", "mentioned"),
    [
        pytest.param("marketer", "eve", id="marketer-mentions-employee-on-deal"),
        pytest.param("sales_rep", "otto", id="rep-mentions-rep-of-another-team"),
        pytest.param("sales_rep", "tara", id="rep-mentions-teammate-rep"),
    ],
)
def test_a_mention_of_someone_who_may_not_see_the_deal_tells_them_nothing(
    cast, deal, mailoutbox, django_capture_on_commit_callbacks, author, mentioned
):
    # given a deal owned by sam: employees see no deals, other reps see only their own
    # when someone mentions them on it
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(
            actor=cast.by_role(author), target=deal, body=f"@{mentioned} can you help here?"
        )

    # then no notification, no email, and the comment does not count them as mentioned
    assert Notification.objects.count() == 0
    assert mailoutbox == []
    assert comment.mentioned.count() == 0


def test_the_deal_owner_is_told_when_a_marketer_mentions_them_but_an_employee_is_not(cast, deal):
    services.comment_add(actor=cast.marketer, target=deal, body="@sam @eve @nobody: Q3 budget?")

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["sam"]


def test_mentioning_yourself_or_an_email_address_notifies_nobody(cast, ann):
    services.comment_add(actor=cast.marketer, target=ann, body="@mia note to self; ann@acme.test")

    assert Notification.objects.count() == 0


def test_someone_who_may_not_see_the_deal_may_not_comment_on_it(cast, deal):
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=cast.other_team_rep, target=deal, body="hello")
    assert Comment.objects.count() == 0


def test_a_comment_is_stored_as_plain_text_and_shown_escaped(cast, ann, login):
    # given a comment with markup in it
    services.comment_add(
        actor=cast.marketer, target=ann, body="<script>alert('x')</script> ping @sam"
    )
    assert Comment.objects.get().body == "<script>alert('x')</script> ping @sam"

    # when the contact page is opened
    html = login(cast.sales_rep).get(f"/contacts/{ann.pk}/").content.decode()

    # then the markup is shown as text, never run
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert '<strong class="mention">@sam</strong>' in html


def test_control_characters_are_removed_and_whitespace_trimmed(cast, ann):
    comment = services.comment_add(actor=cast.marketer, target=ann, body="  hi\x00\x1b there\r\n ")

    assert comment.body == "hi there"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            "x" * 5001, "must be at most 5,000 characters (this has 5,001)", id="too-long"
        ),
        pytest.param("   ", "write something first", id="blank"),
    ],
)
def test_a_comment_too_long_or_empty_is_refused_naming_the_field(cast, ann, body, message):
    with pytest.raises(InvalidInput) as refused:
        services.comment_add(actor=cast.marketer, target=ann, body=body)

    assert refused.value.errors == {"body": message}
    assert Comment.objects.count() == 0


def test_a_comment_of_exactly_the_limit_is_kept(cast, ann):
    comment = services.comment_add(actor=cast.marketer, target=ann, body="x" * 5000)

    assert len(comment.body) == 5000


def test_comments_join_the_contact_and_account_timelines_in_order_with_touches(
    cast, ann, django_capture_on_commit_callbacks
):
    from tandem.dashboards.timeline import timeline
    from tandem.handoff import services as handoff

    # given a touch, then a comment on the contact, then one on the account
    handoff.touch_log(contact=ann, kind="call", actor=cast.employee, summary="Met at the fair")
    services.comment_add(actor=cast.marketer, target=ann, body="Invite her to the webinar")
    services.comment_add(actor=cast.sales_rep, target=ann.account, body="Account-wide note")

    # then the contact's timeline has her comment after the touch, newest first
    contact_entries = timeline(user=cast.employee, contact=ann)
    assert [(e.kind, e.detail) for e in contact_entries if e.kind != "lifecycle"] == [
        ("comment", "Invite her to the webinar"),
        ("call", "Other · Met at the fair"),
    ]
    # and the account's timeline has both comments
    account_entries = timeline(user=cast.employee, account=ann.account)
    assert [e.detail for e in account_entries if e.kind == "comment"] == [
        "Account-wide note",
        "Invite her to the webinar",
    ]


def test_the_comment_form_posts_through_htmx_and_shows_the_thread(cast, deal, login):
    client = login(cast.sales_rep)

    response = client.post(
        f"/inbox/comments/deal/{deal.pk}/",
        {"body": "Pricing call on Friday"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "Pricing call on Friday" in response.content.decode()
    assert Comment.objects.get().deal == deal


def test_the_comment_form_shows_the_error_beside_the_field(cast, deal, login):
    response = login(cast.sales_rep).post(
        f"/inbox/comments/deal/{deal.pk}/", {"body": "y" * 5001}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert "Comment: must be at most 5,000 characters (this has 5,001)" in response.content.decode()


def test_comments_on_a_deal_are_shown_only_to_those_who_may_see_the_deal(cast, deal, login):
    services.comment_add(actor=cast.sales_rep, target=deal, body="Secret discount 20%")

    assert login(cast.other_team_rep).get(f"/sales/deals/{deal.pk}/").status_code == 403
    assert (
        login(cast.other_team_rep)
        .post(f"/inbox/comments/deal/{deal.pk}/", {"body": "hi"})
        .status_code
        == 403
    )
    assert (
        "Secret discount 20%"
        in login(cast.marketer).get(f"/sales/deals/{deal.pk}/").content.decode()
    )
