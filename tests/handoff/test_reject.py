"""Sales rejects a hand-off: a reason is required, a recycling reason nurtures until a date
(in the API too), and marketing reads the reasons by segment."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.handoff.nurture import NURTURE_SEGMENT_NAME
from tandem.people.models import Contact
from tandem.segments import services as segments
from tandem.segments.models import Segment, SegmentMember
from tests.api.conftest import fields_of


def _still_waiting(lead) -> bool:
    return Lead.objects.get(pk=lead.pk).status == Lead.Status.WAITING


def test_a_rep_rejects_in_the_api_with_a_nurture_date(api, cast, mql):
    response = api("sales_rep").post(
        f"/leads/{mql.pk}/reject", {"reason": "not_ready", "nurture_until": "2099-03-31"}
    )

    assert response.status_code == 200
    contact = Contact.objects.get(pk=mql.contact_id)
    assert (contact.lifecycle_stage, contact.nurture_until) == ("recycled", dt.date(2099, 3, 31))
    assert SegmentMember.objects.filter(
        contact=contact, segment__name=NURTURE_SEGMENT_NAME
    ).exists()


def test_without_a_nurture_date_the_api_nurtures_for_ninety_days(api, cast, mql):
    api("sales_rep").post(f"/leads/{mql.pk}/reject", {"reason": "no_budget"})

    contact = Contact.objects.get(pk=mql.contact_id)
    assert contact.nurture_until == timezone.localdate() + dt.timedelta(days=90)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "bored"}, "reason"),
        ({"reason": "not_ready", "nurture_until": "2001-01-01"}, "nurture_until"),
        ({"reason": "not_ready", "nurture_until": "someday"}, "nurture_until"),
        ({"reason": "spam", "nurture_until": "2099-01-01"}, "nurture_until"),
    ],
    ids=["no-reason", "empty-reason", "unknown-reason", "past-date", "not-a-date", "disqualifies"],
)
def test_a_bad_rejection_is_refused_in_the_api_naming_the_field(api, cast, mql, body, field):
    response = api("sales_rep").post(f"/leads/{mql.pk}/reject", body)

    assert response.status_code == 422
    assert fields_of(response) == [field]
    assert _still_waiting(mql)
    assert Contact.objects.get(pk=mql.contact_id).lifecycle_stage == "mql"


def test_a_rejection_without_a_reason_is_refused_on_the_page(client, cast, mql):
    client.force_login(cast.sales_rep)

    response = client.post(reverse("handoff:reject", args=[mql.pk]), {"reason": ""})
    fragment = client.post(
        reverse("handoff:reject", args=[mql.pk]), {"reason": ""}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 302
    assert _still_waiting(mql)
    page = client.get(response["Location"]).content.decode()
    assert "choose a reason" in page
    text = fragment.content.decode()
    assert '<p class="error-summary" role="alert"' in text and "choose a reason" in text
    assert f'id="reason-{mql.pk}"' in text  # the lead is still in the queue


def test_a_rep_rejects_on_the_page_with_a_nurture_date(client, cast, mql):
    client.force_login(cast.sales_rep)

    client.post(
        reverse("handoff:reject", args=[mql.pk]),
        {"reason": "wrong_person", "nurture_until": "2099-05-01"},
    )

    assert Contact.objects.get(pk=mql.contact_id).nurture_until == dt.date(2099, 5, 1)


def _feedback_rows(page: str) -> dict[str, list[str]]:
    """The feedback table's rows by group: decided, rejected, rate and each reason's count."""
    table = page[page.index('<section id="feedback"') :]
    header = re.findall(r"<th[^>]*>([^<]*)</th>", table.split("</thead>")[0])
    rows = {}
    for row in re.findall(r"<tr><td>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", "<td>" + row)
        rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return rows


def test_the_feedback_page_by_segment_shows_each_segments_reasons(client, cast, submit):
    # given three leads: Ann and Bo in "Enterprise", Cy in no segment
    submit()
    submit(email="bo@beta.test", company="Beta")
    submit(email="cy@gamma.test", company="Gamma")
    ann, bo, cy = Lead.objects.order_by("id").select_related("contact")
    enterprise = segments.segment_create(actor=cast.marketer, name="Enterprise", kind="static")
    segments.segment_members_add(
        actor=cast.marketer, segment=enterprise, contacts=[ann.contact, bo.contact]
    )
    # when sales rejects Ann (recycled: she joins the nurture segment) and Cy, accepts Bo
    handoff.lead_reject(actor=cast.sales_rep, lead=ann, reason="no_budget")
    handoff.lead_reject(actor=cast.sales_rep, lead=cy, reason="not_ready")
    handoff.lead_accept(actor=cast.sales_rep, lead=bo)
    assert Segment.objects.get(name=NURTURE_SEGMENT_NAME).member_count == 2
    client.force_login(cast.marketer)

    page = client.get(reverse("handoff:feedback"), {"by": "segment"}).content.decode()

    # then each lead counts where it came from; the nurture segment is where they went
    rows = _feedback_rows(page)
    assert rows == {
        "Enterprise": {
            "Decided": "2",
            "Rejected": "1",
            "Rejection rate": "50%",
            "No budget (recycle)": "1",
            "Not ready yet (recycle)": "",
        },
        "In no segment": {
            "Decided": "1",
            "Rejected": "1",
            "Rejection rate": "100%",
            "No budget (recycle)": "",
            "Not ready yet (recycle)": "1",
        },
    }
