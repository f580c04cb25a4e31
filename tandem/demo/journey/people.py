"""The chunk's accounts and contacts: names, emails, company sizes, titles, phones."""

from __future__ import annotations

from tandem.demo import catalog
from tandem.demo.journey.base import CHUNK_CONTACTS, StoryBase
from tandem.demo.journey.odds import (
    CONTACTS_PER_ACCOUNT,
    SIZES,
    TITLES,
)
from tandem.demo.world import (
    AccountSim,
    Chunk,
    ContactSim,
)
from tandem.people.models import AudienceType


class PeopleStory(StoryBase):
    """Who is in the chunk: accounts, and contacts with names, emails, titles and phones."""

    def layout(self) -> Chunk:
        """Accounts and contacts with names and emails, nothing more: cheap, for resume checks."""
        rng = self.rng
        while len(self.contacts) < self.size:
            if rng.random() < 0.16:
                self._free_mail_contact()
                continue
            account = self._account()
            low, high, mode = CONTACTS_PER_ACCOUNT[account.size_band or "10-49"]
            count = min(int(rng.triangular(low, high + 1, mode)), self.size - len(self.contacts))
            shift = rng.randrange(self.namer.person_space)
            for position in range(count):
                contact = ContactSim(len(self.contacts), account)
                first_i, last_i, _ = self.namer.person(position, shift)
                self._name(contact, first_i, last_i)
                contact.email = (
                    f"{self.namer.first_slugs[first_i]}."
                    f"{self.namer.last_slugs[last_i]}@{account.domain}"
                )
                contact.domain_free = False
                contact.audience = AudienceType.PROSPECT.value
                roll = rng.random()
                if roll < 0.03:
                    contact.audience = AudienceType.PARTNER.value
                elif roll < 0.045:
                    contact.audience = AudienceType.COMPETITOR.value
                contact.title = rng.choices(TITLES[0], cum_weights=TITLES[1])[0]
                self._phone(contact, account.region)
                self.contacts.append(contact)
        return Chunk(self.number, self.accounts, self.contacts)

    def _account(self) -> AccountSim:
        rng = self.rng
        account = AccountSim(len(self.accounts))
        number = self.number * CHUNK_CONTACTS + account.index
        name, domain, industry, tld = self.namer.company(number)
        region = catalog.REGION_BY_TLD.get(tld) or rng.choice(catalog.REGIONS)
        if rng.random() < 0.5:
            name = f"{name} {rng.choice(region.legal_forms)}"
        account.name, account.domain, account.industry = name, domain, industry
        account.region = region.name
        account.team = region.team
        account.size_band = rng.choices(SIZES[0], cum_weights=SIZES[1])[0]
        if rng.random() < 0.12:
            account.size_band = ""  # profile not known yet
        account.owner = rng.choice(self.world.staff.reps_by_team[region.team])
        self.accounts.append(account)
        return account

    def _free_mail_contact(self) -> None:
        rng = self.rng
        contact = ContactSim(len(self.contacts), None)
        number = self.number * CHUNK_CONTACTS + contact.index
        first_i, last_i, lap = self.namer.person(number)
        self._name(contact, first_i, last_i)
        sep = "." if rng.random() < 0.7 else "_"
        digits = str(lap * 100 + rng.randrange(100)) if (lap or rng.random() < 0.5) else ""
        contact.email = (
            f"{self.namer.first_slugs[first_i]}{sep}{self.namer.last_slugs[last_i]}"
            f"{digits}@{rng.choice(catalog.FREE_MAIL)}"
        )
        contact.domain_free = True
        roll = rng.random()
        if roll < 0.45:
            contact.audience = AudienceType.PROSPECT.value
            contact.title = rng.choice(
                (
                    "Consultant",
                    "Freelance Automation Engineer",
                    "",
                    "Maintenance Manager",
                    "Owner-operator",
                )
            )
        elif roll < 0.72:
            contact.audience = AudienceType.PUBLIC.value
            contact.title = rng.choice(catalog.STUDENT_TITLES)
        elif roll < 0.88:
            contact.audience = AudienceType.CANDIDATE.value
            contact.title = rng.choice(catalog.CANDIDATE_TITLES)
        else:
            contact.audience = AudienceType.MEDIA.value
            contact.title = rng.choice(catalog.MEDIA_TITLES)
        self._phone(contact, rng.choice(catalog.REGIONS).name if rng.random() < 0.3 else "")
        self.contacts.append(contact)

    @staticmethod
    def _name(contact: ContactSim, first_i: int, last_i: int) -> None:
        contact.first_name = catalog.FIRST_NAMES[first_i]
        contact.last_name = catalog.LAST_NAMES[last_i]

    def _phone(self, contact: ContactSim, region_name: str) -> None:
        contact.phone = ""
        if region_name and self.rng.random() < 0.55:
            prefix = next(r.phone_prefix for r in catalog.REGIONS if r.name == region_name)
            number = self.rng.randrange(10_000_000, 99_999_999)
            contact.phone = f"{prefix} {str(number)[:3]} {str(number)[3:]}"
