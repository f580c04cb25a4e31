"""Managers add and remove routing rules, ICP rules and stage entry rules on the set-up page."""

from django.test import Client

from tandem.audit.models import AuditEntry
from tandem.handoff import routing
from tandem.handoff.models import IcpRule, RoutingRule
from tandem.people.models import StageRule
from tests.factories import AccountFactory, ContactFactory, TeamFactory, UserFactory


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_routing_rule_added_on_the_page_routes_the_next_lead(cast):
    nordics = TeamFactory(name="Sales Nordics")
    rep = UserFactory(role="sales_rep", team=nordics)
    contact = ContactFactory(account=AccountFactory(region="Nordics"))

    response = _client(cast.sales_manager).post(
        "/leads/setup/routing/",
        {"name": "Nordic accounts", "team": nordics.pk, "field": "account.region",
         "values": "Nordics, Baltics"},
    )  # fmt: skip

    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.field, rule.values) == ("account.region", ["Nordics", "Baltics"])
    route = routing.rep_route(contact=contact)
    assert (route.rep_id, route.rule) == (rep.pk, "rule: Nordic accounts")


def test_a_routing_rule_without_values_is_refused_naming_the_field(cast):
    page = _client(cast.sales_manager).post(
        "/leads/setup/routing/",
        {"name": "Empty", "team": TeamFactory().pk, "field": "account.region", "values": ""},
        follow=True,
    )

    assert not RoutingRule.objects.exists()
    assert "values: give at least one value to match" in page.content.decode()


def test_rules_are_deleted_from_the_page_with_an_audit_entry(cast):
    routing_rule = RoutingRule.objects.create(
        name="Nordics", team=TeamFactory(), field="account.region", values=["Nordics"]
    )
    icp = IcpRule.objects.create(kind="business_email", field="contact.email", points=5, label="B")
    stage = StageRule.objects.create(stage="mql", requires_reason=True)
    client = _client(cast.admin)

    for path in (
        f"/leads/setup/routing/{routing_rule.pk}/delete/",
        f"/leads/setup/icp/{icp.pk}/delete/",
        f"/leads/setup/stage/{stage.pk}/delete/",
    ):
        assert client.post(path).status_code == 302

    assert not (RoutingRule.objects.exists() or IcpRule.objects.exists())
    assert not StageRule.objects.exists()
    deleted = set(AuditEntry.objects.filter(action="delete").values_list("record_type", flat=True))
    assert deleted == {"handoff.routingrule", "handoff.icprule", "people.stagerule"}


def test_a_rep_may_neither_add_nor_delete_rules(cast):
    rule = RoutingRule.objects.create(
        name="Nordics", team=TeamFactory(), field="account.region", values=["Nordics"]
    )
    client = _client(cast.sales_rep)

    assert client.post(f"/leads/setup/routing/{rule.pk}/delete/").status_code == 403
    added = client.post(
        "/leads/setup/routing/",
        {"name": "x", "team": rule.team_id, "field": "account.region", "values": "EMEA"},
    )
    assert added.status_code == 403
    assert RoutingRule.objects.count() == 1
    page = client.get("/leads/setup/").content.decode()
    assert "Add a routing rule" not in page and "Delete the routing rule" not in page
