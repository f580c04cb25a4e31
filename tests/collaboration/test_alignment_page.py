"""The shared alignment page: both qualified-lead counts with their difference explained,
the hand-off service level, and every panel the issue lists."""

from __future__ import annotations

from tandem.handoff import services as handoff
from tandem.people import services as people


def _mqls(cast, n: int):
    contacts = [
        people.contact_create(actor=cast.marketer, email=f"lead{i}@corp.test", first_name=f"L{i}")
        for i in range(n)
    ]
    return [handoff.lead_hand_off(contact=c) for c in contacts]


def test_the_two_qualified_lead_counts_sit_side_by_side_with_the_gap_explained(cast, login):
    # given four MQLs handed to sam: one accepted, one rejected, two still waiting
    leads = _mqls(cast, 4)
    handoff.lead_accept(actor=leads[0].assigned_to, lead=leads[0])
    handoff.lead_reject(actor=leads[1].assigned_to, lead=leads[1], reason="no_budget")

    page = login(cast.sales_rep).get("/shared/").content.decode()

    assert 'data-metric="mqls">4<' in page
    assert 'data-metric="accepted">1<' in page
    assert "Of the gap of 3:" in page
    assert 'data-metric="gap-rejected">1<' in page
    assert 'data-metric="gap-waiting">2<' in page
    assert 'data-metric="gap-other"' not in page


def test_the_page_shows_the_hand_off_service_level_and_every_alignment_panel(cast, login):
    _mqls(cast, 2)

    page = login(cast.marketer).get("/shared/").content.decode()

    assert "Hand-off service level" in page
    assert 'data-metric="sla-compliance">—<' in page  # none due yet: no figure, not 0 %
    assert "0 met · 0 breached · 2 waiting of 2 handed off" in page
    assert 'data-metric="leads-delivered">2<' in page
    for panel in (
        'data-metric="close-rate"',
        'data-metric="revenue"',
        "Cross-training this quarter",
        "Customer NPS by month",
        "Why sales rejected leads",
        "Deals in fit review",
    ):
        assert panel in page, panel


def test_leadership_and_employees_open_the_shared_page(cast, login):
    assert login(cast.leadership).get("/shared/").status_code == 200
    assert login(cast.employee).get("/shared/").status_code == 200
