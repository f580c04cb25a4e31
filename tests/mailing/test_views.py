"""Marketing's email pages: who may see them, the editor's preview, the send page's progress."""

from __future__ import annotations

import pytest

from tandem.mailing import engine, services
from tandem.mailing.models import EmailSend, EmailTemplate, Suppression
from tests.mailing.conftest import HTML, TEXT, segment_of

PAGES = [
    "/mail/",
    "/mail/templates/",
    "/mail/suppressions/",
    "/mail/sends/new/",
    "/mail/topics/",
]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, db, path):
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, f"/login/?next={path}")


@pytest.mark.parametrize("role", ["sales_rep", "sales_manager", "employee"])
@pytest.mark.parametrize("path", PAGES)
def test_roles_outside_marketing_are_refused(client, cast, role, path):
    client.force_login(cast.by_role(role))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES[:3])
def test_leadership_reads_the_email_pages_but_may_not_start_a_send(client, cast, path):
    client.force_login(cast.leadership)
    assert client.get(path).status_code == 200
    assert client.get("/mail/sends/new/").status_code == 403


@pytest.mark.parametrize("role", ["marketer", "marketing_manager", "admin"])
@pytest.mark.parametrize("path", PAGES)
def test_marketing_and_admins_see_the_pages(client, cast, role, path):
    client.force_login(cast.by_role(role))
    assert client.get(path).status_code == 200


def test_a_send_page_of_a_sales_user_is_refused_and_missing_one_is_404(
    client, cast, make_send, audience
):
    send = make_send(audience)
    client.force_login(cast.sales_rep)
    assert client.get(f"/mail/sends/{send.pk}/").status_code == 403
    client.force_login(cast.marketer)
    assert client.get("/mail/sends/999999/").status_code == 404


def test_a_marketer_may_not_pause_a_colleagues_send_but_a_manager_may(
    client, cast, make_send, audience
):
    # given max's send, sending
    send = make_send(audience)
    EmailSend.objects.filter(pk=send.pk).update(owner=cast.marketing_manager, status="sending")

    client.force_login(cast.marketer)
    refused = client.post(f"/mail/sends/{send.pk}/pause/")
    client.force_login(cast.marketing_manager)
    paused = client.post(f"/mail/sends/{send.pk}/pause/")

    assert (refused.status_code, paused.status_code) == (403, 302)
    send.refresh_from_db()
    assert send.status == "paused"


def test_the_editor_refuses_a_bad_template_and_says_where(client, cast):
    client.force_login(cast.marketer)

    response = client.post(
        "/mail/templates/new/",
        {
            "name": "Bad",
            "subject": "Hi",
            "html_body": "<p>Hi</p>\n<p>{{ contact.secret }}</p>",
            "text_body": "Hi",
        },
    )

    assert response.status_code == 200
    assert "line 2: unknown variable &#x27;contact.secret&#x27;" in response.content.decode()
    assert not EmailTemplate.objects.exists()


def test_the_editor_previews_the_fields_being_edited_for_a_sample_contact(
    client, cast, template, audience
):
    client.force_login(cast.marketer)

    response = client.post(
        f"/mail/templates/{template.pk}/preview/",
        {
            "subject": "For {{ account.name }}",
            "html_body": HTML,
            "text_body": TEXT,
            "sample": "person3@acme.test",
        },
    )

    page = response.content.decode()
    assert "As person3@acme.test would get it." in page
    assert "<dd>For Acme 3</dd>" in page
    assert "Hi Per3," in page


def test_a_new_send_is_saved_as_a_draft_from_the_form(client, cast, template, audience):
    segment = segment_of("Everyone", audience)
    client.force_login(cast.marketer)

    response = client.post(
        "/mail/sends/new/",
        {"name": "Form send", "template": template.pk, "segments": [segment.pk]},
    )

    send = EmailSend.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/mail/sends/{send.pk}/")
    assert (send.status, list(send.segments.all())) == ("draft", [segment])


def test_the_send_form_names_a_missing_segment(client, cast, template):
    client.force_login(cast.marketer)

    response = client.post("/mail/sends/new/", {"name": "x", "template": template.pk})

    assert "choose at least one segment to send to" in response.content.decode()


def test_the_progress_panel_shows_counts_and_polls_while_sending(
    client, cast, make_send, audience, smtp_inbox
):
    send = make_send(audience, batch_size=2)
    services.send_start(actor=cast.marketer, send=send)
    engine.send_batch_run(send_id=send.pk)
    client.force_login(cast.marketer)

    response = client.get(f"/mail/sends/{send.pk}/progress/")

    page = response.content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "40% of 5 handled" in page
    assert ">Pause</button>" in page


def test_the_sends_list_takes_a_fixed_number_of_queries(
    client, cast, make_send, audience, django_assert_num_queries
):
    for _ in range(4):
        make_send(audience)
    client.force_login(cast.marketer)

    with django_assert_num_queries(4):
        response = client.get("/mail/")

    assert response.status_code == 200
    assert response.content.decode().count("Autumn webinar invite") == 4


def test_a_manager_removes_a_suppression_and_a_marketer_cannot(client, cast):
    suppression = services.suppression_add(email="x@acme.test", reason="manual")
    client.force_login(cast.marketer)
    client.post("/mail/suppressions/", {"remove": suppression.pk})
    assert Suppression.objects.count() == 1
    client.force_login(cast.marketing_manager)
    client.post("/mail/suppressions/", {"remove": suppression.pk})
    assert Suppression.objects.count() == 0


def test_the_preview_puts_the_html_in_its_frame_escaped(client, cast, template, audience):
    client.force_login(cast.marketer)

    response = client.post(
        f"/mail/templates/{template.pk}/preview/",
        {"subject": "x", "html_body": '<a href="https://e.test/">go</a>', "text_body": "t"},
    )

    assert 'srcdoc="&lt;a href=&quot;https://e.test/&quot;&gt;go&lt;/a&gt;"' in (
        response.content.decode()
    )
