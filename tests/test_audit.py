"""The audit log: every create, update and delete of a core record, with who and what changed."""

from tandem.audit.models import AuditEntry
from tandem.handoff import services as handoff
from tandem.people import services as people
from tests.factories import ContactFactory


def test_a_change_records_who_and_the_fields_that_changed(cast):
    contact = ContactFactory(first_name="Ann", title="Buyer", owner=cast.sales_rep)

    people.contact_update(actor=cast.sales_rep, contact=contact, title="Head of Buying")

    entry = AuditEntry.objects.get(record_type="people.contact", action="update")
    assert entry.actor == cast.sales_rep
    assert entry.changes["title"] == ["Buyer", "Head of Buying"]
    assert "first_name" not in entry.changes


def test_the_relay_leaves_a_trail(cast, mql):
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)

    kinds = set(AuditEntry.objects.values_list("record_type", "action"))
    assert {
        ("people.contact", "create"),
        ("people.touch", "create"),
        ("handoff.lead", "create"),
        ("handoff.lead", "update"),
        ("sales.deal", "create"),
    } <= kinds
    public = AuditEntry.objects.get(record_type="people.contact", action="create")
    assert (public.actor, public.actor_label) == (None, "form:demo")
    assert AuditEntry.objects.get(record_type="sales.deal").record_id == str(deal.pk)


def test_an_update_that_changes_nothing_writes_nothing(cast):
    contact = ContactFactory(title="Buyer")
    people.contact_update(actor=cast.admin, contact=contact, title="Buyer")

    assert not AuditEntry.objects.filter(action="update").exists()
