"""factory-boy factories for the records tests start from. Flows go through the services."""

from __future__ import annotations

import factory

from tandem.access.models import Team, User
from tandem.access.roles import Role, TeamKind
from tandem.marketing.models import Campaign, LeadForm
from tandem.people.models import Account, Contact


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")
    kind = TeamKind.OTHER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@tandem.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.EMPLOYEE
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.test")
    industry = "Manufacturing"
    size_band = "50-249"
    region = "EMEA"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"person{n}@company.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    account = factory.SubFactory(AccountFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = "webinar"
    utm_campaign = factory.Sequence(lambda n: f"campaign-{n}")


class LeadFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadForm

    name = "Request a demo"
    slug = factory.Sequence(lambda n: f"demo-{n}")
    campaign = factory.SubFactory(CampaignFactory)
