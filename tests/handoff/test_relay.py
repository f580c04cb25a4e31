"""The whole relay through the services: form → score → MQL → rep → accept → deal → won."""

from decimal import Decimal

from django.core import mail

from tandem.core.periods import period_for
from tandem.dashboards import metrics
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.people.lifecycle import Stage
from tandem.people.models import LifecycleMove
from tandem.sales import services as sales


def test_visitor_to_customer(cast, submit, contact_of, django_capture_on_commit_callbacks):
    # given a qualifying visitor from the spring webinar campaign
    with django_capture_on_commit_callbacks(execute=True):
        result = submit()
    contact = contact_of("ann@acme.test")

    # then they are an MQL assigned to the available rep, who was told by email
    assert result.is_new_contact
    assert contact.lifecycle_stage == Stage.MQL
    assert contact.score == 55  # form 30 + senior title 15 + business email 10
    lead = Lead.objects.get(contact=contact)
    assert lead.assigned_to == cast.sales_rep
    assert lead.campaign.name == "Spring webinar"
    assert [m.to for m in mail.outbox] == [[cast.sales_rep.email]]
    assert "Ann Archer" in mail.outbox[0].subject

    # when the rep accepts and wins the deal
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=lead)
    sales.deal_close_won(actor=cast.sales_rep, deal=deal, amount="18000")

    # then the contact is a customer, every move recorded with who and why
    contact.refresh_from_db()
    assert contact.lifecycle_stage == Stage.CUSTOMER
    assert "customer" in contact.audience_types
    moves = list(
        LifecycleMove.objects.filter(contact=contact)
        .order_by("moved_at", "id")
        .values_list("from_stage", "to_stage", "moved_by__username")
    )
    assert moves == [
        ("subscriber", "lead", None),
        ("lead", "mql", None),
        ("mql", "sal", "sam"),
        ("sal", "opportunity", "sam"),
        ("opportunity", "customer", "sam"),
    ]

    # and the shared page counts one qualified lead, a 100% close rate and the revenue
    numbers = metrics.shared_numbers(period_for("quarter"))
    assert (numbers.mqls, numbers.accepted, numbers.won, numbers.lost) == (1, 1, 1, 0)
    assert numbers.close_rate == 1.0
    assert numbers.revenue == Decimal("18000.00")
    row = metrics.campaign_results(period_for("12m"))[0]
    assert (row.name, row.leads, row.mqls, row.accepted, row.won_revenue) == (
        "Spring webinar",
        1,
        1,
        1,
        Decimal("18000.00"),
    )


def test_rejection_reason_reaches_marketing_by_campaign(cast, mql, contact_of):
    handoff.lead_reject(actor=cast.sales_rep, lead=mql, reason="no_budget", note="next year")

    contact = contact_of("ann@acme.test")
    assert contact.lifecycle_stage == Stage.RECYCLED
    assert contact.owner is None
    row = metrics.campaign_results(period_for("12m"))[0]
    assert row.rejection_reasons == {"No budget (recycle)": 1}
    assert metrics.rejection_reasons(period_for("quarter")) == [("No budget (recycle)", 1)]


def test_second_submission_gives_one_contact_two_touches_one_handoff(cast, submit, contact_of):
    submit()
    second = submit(first_name="", title="")

    contact = contact_of("ann@acme.test")
    assert not second.is_new_contact
    assert contact.touches.count() == 2
    assert contact.first_name == "Ann"  # a blank field does not wipe what we knew
    assert Lead.objects.filter(contact=contact).count() == 1


def test_lost_deal_recycles_the_contact(cast, mql, contact_of):
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    sales.deal_close_lost(actor=cast.sales_rep, deal=deal, reason="price")

    assert contact_of("ann@acme.test").lifecycle_stage == Stage.RECYCLED
    assert metrics.shared_numbers(period_for("quarter")).close_rate == 0.0


def test_second_won_deal_for_an_account_is_a_repeat_purchase(cast, mql, contact_of):
    first = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    sales.deal_close_won(actor=cast.sales_rep, deal=first, amount="1000")
    contact = contact_of("ann@acme.test")
    again = sales.deal_open(
        actor=cast.sales_rep,
        name="Acme — expansion",
        owner=cast.sales_rep,
        contact=contact,
        amount="500",
    )
    sales.deal_close_won(actor=cast.sales_rep, deal=again)

    again.refresh_from_db()
    contact.refresh_from_db()
    assert again.is_repeat_purchase and not first.is_repeat_purchase
    assert contact.lifecycle_stage == Stage.REPEAT_CUSTOMER
