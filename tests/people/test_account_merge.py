"""Merging two accounts: contacts, deals (as customer and as partner) and touches move; a
merge that would make a deal its own partner is refused; reps do not merge accounts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tandem.audit.models import AuditEntry
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.people import relink, touches
from tandem.people import services as people
from tandem.people.merge import account_merge
from tandem.people.models import Account, Contact, Touch
from tandem.sales import services as sales
from tandem.sales.models import Deal


def a_contact(cast, email: str, **fields) -> Contact:
    return people.contact_create(actor=cast.admin, email=email, **fields)


def test_an_account_merge_moves_contacts_deals_touches_and_partner_deals(cast):
    # given Acme twice, each with a contact, a deal and a touch; Acme GmbH partners on a deal
    acme = people.account_create(actor=cast.admin, name="Acme", domain="acme.test")
    acme_gmbh = people.account_create(
        actor=cast.admin, name="Acme GmbH", domain="acme.de", industry="Robotics"
    )
    ann = a_contact(cast, "ann@acme.test", account=acme)
    bob = a_contact(cast, "bob@acme.de", account=acme_gmbh)
    touches.touch_record(contact=bob, kind="call", actor=cast.sales_rep)
    Touch.objects.filter(contact=bob).update(account=acme_gmbh)
    for contact in (ann, bob):
        deal = sales.deal_open(
            actor=cast.admin, name=f"{contact} deal", owner=cast.sales_rep, contact=contact
        )
        Deal.objects.filter(pk=deal.pk).update(account=contact.account)
    partnered = sales.deal_open(actor=cast.admin, name="Via partner", owner=cast.sales_rep)
    Deal.objects.filter(pk=partnered.pk).update(partner=acme_gmbh)

    # when Acme GmbH is merged into Acme, keeping Acme's name and the GmbH's domain
    result = account_merge(
        user=cast.admin, kept=acme, merged=acme_gmbh, choices={"domain": "merged"}
    )

    # then everything of the GmbH's is Acme's
    acme.refresh_from_db()
    assert not Account.objects.filter(pk=acme_gmbh.pk).exists()
    assert relink.references_count(Account, acme_gmbh.pk) == {}
    assert (acme.name, acme.domain, acme.industry) == ("Acme", "acme.de", "Robotics")
    assert sorted(Contact.objects.filter(account=acme).values_list("email", flat=True)) == [
        "ann@acme.test",
        "bob@acme.de",
    ]
    assert Deal.objects.filter(account=acme).count() == 2
    assert Deal.objects.get(pk=partnered.pk).partner_id == acme.pk
    assert Touch.objects.filter(account=acme).count() == 1
    assert result.moved["people.Contact.account"] == [1, 0]
    entry = AuditEntry.objects.filter(record_type="people.account", record_id=str(acme.pk)).first()
    assert entry.changes["merged_id"] == [None, acme_gmbh.pk]


def test_a_sales_rep_may_not_merge_accounts(cast):
    acme = people.account_create(actor=cast.admin, name="Acme", owner=cast.sales_rep)
    acme2 = people.account_create(actor=cast.admin, name="Acme Inc", owner=cast.sales_rep)

    with pytest.raises(PermissionDenied):
        account_merge(user=cast.sales_rep, kept=acme, merged=acme2)

    assert Account.objects.filter(pk=acme2.pk).exists()


def test_an_account_merge_that_would_make_a_deal_its_own_partner_is_refused(cast):
    acme = people.account_create(actor=cast.admin, name="Acme", domain="acme.test")
    acme_gmbh = people.account_create(actor=cast.admin, name="Acme GmbH", domain="acme.de")
    deal = sales.deal_open(actor=cast.admin, name="Line 4", owner=cast.sales_rep)
    Deal.objects.filter(pk=deal.pk).update(account=acme, partner=acme_gmbh)

    with pytest.raises(InvalidInput) as refused:
        account_merge(user=cast.admin, kept=acme, merged=acme_gmbh)

    assert refused.value.errors == {
        "merge": f"Acme and Acme GmbH are customer and channel partner on Line 4 (#{deal.pk}): "
        "once merged, the account would be its own partner. Remove the partner from those "
        "deals first."
    }
    assert Account.objects.filter(pk=acme_gmbh.pk).exists()


def test_an_account_merge_recomputes_the_kept_accounts_fit_and_its_contacts_scores(cast):
    # given an ICP rule on industry, and Acme (no industry) with Ann; Acme GmbH (robotics)
    # with Bob and no other record
    handoff.icp_rule_save(
        actor=cast.marketing_manager,
        kind="field_in",
        field="account.industry",
        values=["Robotics"],
        points=20,
        label="Builds robots",
    )
    acme = people.account_create(actor=cast.admin, name="Acme", domain="acme.test")
    gmbh = people.account_create(actor=cast.admin, name="Acme GmbH", industry="Robotics")
    ann = a_contact(cast, "ann@acme.test", account=acme)
    bob = a_contact(cast, "bob@acme.de", account=gmbh)
    handoff.contacts_rescore_all(hand_off=False)
    assert Account.objects.get(pk=acme.pk).fit_score == 0
    assert Contact.objects.get(pk=ann.pk).fit_score == 0

    # when the GmbH is merged into Acme, Acme taking its industry
    account_merge(user=cast.admin, kept=acme, merged=gmbh)

    # then Acme fits now, and so does every contact it now has
    assert Account.objects.get(pk=acme.pk).fit_score == 20
    assert dict(Contact.objects.values_list("email", "fit_score")) == {
        "ann@acme.test": 20,
        "bob@acme.de": 20,
    }
    assert Contact.objects.get(pk=ann.pk).score == 20
    assert Contact.objects.get(pk=bob.pk).account_id == acme.pk


def test_an_account_merge_rescored_even_without_contacts(cast):
    handoff.icp_rule_save(
        actor=cast.marketing_manager,
        kind="field_in",
        field="account.region",
        values=["EMEA"],
        points=7,
        label="Europe",
    )
    acme = people.account_create(actor=cast.admin, name="Acme")
    twin = people.account_create(actor=cast.admin, name="ACME", region="EMEA")

    account_merge(user=cast.admin, kept=acme, merged=twin)

    assert Account.objects.get(pk=acme.pk).fit_score == 7
