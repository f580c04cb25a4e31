"""Deals in a contact's story: the first deal after a hand-off, its stages and close, and a
customer's life after the sale (installation, support, repeat purchases, advocacy)."""

from __future__ import annotations

from decimal import Decimal

from tandem.demo import catalog
from tandem.demo.journey.base import StoryBase
from tandem.demo.journey.odds import (
    DROPOUT_A,
    DROPOUT_B,
    LOST_CHOICE,
    LOST_LABEL,
    REPEAT_LOST_DAYS,
    REPEAT_RATE_SCALE,
    REPEAT_RATE_SHAPE,
    REPEAT_WIN_CHANCE,
    REPEAT_WON_DAYS,
)
from tandem.demo.world import (
    DAY,
    ContactSim,
    DealSim,
    LeadSim,
)
from tandem.people.lifecycle import Stage
from tandem.people.models import AudienceType, Channel


class DealStory(StoryBase):
    """Sales' part: the deals a contact's company opens, how they move and close, and what a
    customer does after buying."""

    def _product_deal(self, contact: ContactSim, *, repeat: bool, base: DealSim | None) -> tuple:
        rng = self.rng
        account = contact.account
        industry = account.industry if account else ""
        size = catalog.SIZE_FACTOR.get(account.size_band if account else "1-9", 0.8)
        if repeat and base is not None and rng.random() < 0.45:
            product = rng.choice(catalog.ADD_ONS)
            size = 1.0
            label = product.name
        else:
            fitting = [p for p in catalog.PRODUCTS if not p.industries or industry in p.industries]
            product = rng.choice(fitting)
            label = f"{product.name} expansion" if repeat else product.name
            if repeat:
                size *= 0.5
        low, high = product.quantity
        quantity = max(1, int(rng.uniform(low, high) * size))
        discount = Decimal(rng.choice((0, 0, 5, 7.5, 10, 12.5, 15, 20))) / 100
        amount = (product.list_price * quantity * (1 - discount)).quantize(Decimal("1"))
        buyer = account.name if account else f"{contact.first_name} {contact.last_name}"
        return f"{buyer} — {label}, {quantity} {product.unit}", amount

    def _new_deal(
        self,
        contact: ContactSim,
        at: int,
        owner: int,
        by: int,
        *,
        repeat: bool,
        lead: LeadSim | None,
    ) -> DealSim:
        deal = DealSim()
        deal.contact, deal.owner, deal.created, deal.lead = contact, owner, at, lead
        base = contact.deals[0] if contact.deals else None
        deal.name, deal.amount = self._product_deal(contact, repeat=repeat, base=base)
        deal.stage = self.world.stages.discovery
        deal.moves.append((None, deal.stage, at, by))
        deal.notes = self.rng.choice(catalog.PRIVATE_NOTES) if self.rng.random() < 0.3 else ""
        contact.deals.append(deal)
        deal.index = len(contact.deals) - 1
        return deal

    def _run_deal(
        self,
        contact: ContactSim,
        deal: DealSim,
        win_chance: float,
        won_days: tuple[float, float, float],
        lost_days: tuple[float, float, float],
    ) -> int | None:
        """Move the deal through the stages; the close time if it closed, else None."""
        rng, world, stages = self.rng, self.world, self.world.stages
        start, owner = deal.created, deal.owner
        won = rng.random() < win_chance
        cycle = int(rng.triangular(*(won_days if won else lost_days)) * DAY)
        close = start + cycle
        reach = 3 if won else rng.choices((1, 2, 3), cum_weights=(40, 75, 100))[0]
        steps = [
            (stages.proposal, start + int(cycle * rng.uniform(0.2, 0.4))),
            (stages.negotiation, start + int(cycle * rng.uniform(0.55, 0.8))),
        ][: reach - 1]
        # The rep's own touches along the way.
        discovery = start + int(rng.uniform(0.1, 4) * DAY)
        calls = [(discovery, "call", rng.choice(catalog.DISCOVERY_CALLS))]
        if reach >= 2:
            calls.append(
                (
                    steps[0][1] - int(rng.uniform(0, 3) * DAY),
                    "meeting",
                    rng.choice(catalog.DEMO_MEETINGS),
                )
            )
        if reach >= 3:
            calls.append(
                (
                    steps[1][1] + int(rng.uniform(0, 0.15) * cycle),
                    "call",
                    rng.choice(catalog.NEGOTIATION_CALLS),
                )
            )
        for at, kind, summary in calls:
            if start <= at <= min(close, world.now):
                self._touch(
                    contact, (at, kind, None, None, Channel.SALES, "", "", summary, owner, "")
                )
        current = deal.stage
        for stage, at in steps:
            if at > world.now:
                break
            deal.moves.append((current, stage, at, owner))
            current = stage
        deal.stage = current
        deal.expected = close + int(rng.uniform(-10, 20) * DAY)
        if close > world.now:
            deal.expected = max(deal.expected, world.now + int(rng.uniform(3, 45) * DAY))
            return None
        final = stages.won if won else stages.lost
        deal.moves.append((current, final, close, owner))
        deal.stage, deal.closed, deal.won = final, close, won
        if not won:
            deal.lost_reason = rng.choices(LOST_CHOICE[0], cum_weights=LOST_CHOICE[1])[0]
        return close

    def _first_deal(
        self, contact: ContactSim, lead: LeadSim, at: int, decider: int, quality: float
    ) -> tuple[int, str]:
        deal = self._new_deal(contact, at, lead.rep, decider, repeat=False, lead=lead)
        self._move(contact, at, Stage.OPPORTUNITY, decider, f"deal opened: {deal.name}")
        closed = self._run_deal(contact, deal, 0.22 + 0.45 * quality, (20, 150, 55), (10, 120, 35))
        if closed is None:
            return self.world.now, "open"
        if not deal.won:
            self._move(
                contact,
                closed,
                Stage.RECYCLED,
                deal.owner,
                f"deal lost: {LOST_LABEL[deal.lost_reason]}",
            )
            return closed, "recycled"
        self._won(contact, deal, closed)
        self._customer(contact, deal, closed)
        return self.world.now, "customer"

    def _won(self, contact: ContactSim, deal: DealSim, at: int) -> None:
        contact.audience |= AudienceType.CUSTOMER.value
        if contact.stage in (Stage.REPEAT_CUSTOMER, Stage.ADVOCATE):
            return
        target = Stage.REPEAT_CUSTOMER if contact.stage == Stage.CUSTOMER else Stage.CUSTOMER
        self._move(contact, at, target, deal.owner, f"won {deal.name}")

    def _customer(self, contact: ContactSim, first: DealSim, won_at: int) -> None:
        """After the first sale: installation, support, repeat purchases, maybe advocacy."""
        self._after_sale(contact, won_at)
        self._repeat_purchases(contact, first, won_at)
        rng, world, staff = self.rng, self.world, self.world.staff
        if contact.stage == Stage.REPEAT_CUSTOMER and contact.stage_at and rng.random() < 0.18:
            at = contact.stage_at + int(rng.uniform(20, 120) * DAY)
            if at <= world.now:
                self._move(
                    contact,
                    at,
                    Stage.ADVOCATE,
                    rng.choice((staff.marketing_manager, *staff.marketers)),
                    "agreed to a customer reference story",
                )

    def _after_sale(self, contact: ContactSim, won_at: int) -> None:
        """The installation, support calls, and the customer newsletter opened."""
        rng, world, staff = self.rng, self.world, self.world.staff
        install = won_at + int(rng.uniform(7, 45) * DAY)
        if install <= world.now:
            summary, sentiment = rng.choice(catalog.FIELD_NOTES)
            self._touch(
                contact,
                (
                    install,
                    "note",
                    None,
                    None,
                    Channel.OTHER,
                    "",
                    "",
                    summary,
                    staff.field_engineer,
                    sentiment,
                ),
            )
        t = install
        while True:
            t += int(rng.expovariate(1 / (110 * DAY)))
            if t > world.now:
                break
            summary, sentiment = rng.choice(catalog.SUPPORT_NOTES)
            self._touch(
                contact,
                (t, "note", None, None, Channel.OTHER, "", "", summary, staff.support, sentiment),
            )
        if world.customer_newsletter is not None and contact.has_email:
            news = world.customer_newsletter
            t = won_at
            while True:
                t += int(rng.uniform(25, 40) * DAY)
                if t > min(world.now, contact.email_until) or rng.random() < 0.25:
                    break
                self._touch(
                    contact,
                    (
                        t,
                        "email_open",
                        news,
                        None,
                        Channel.EMAIL,
                        "",
                        "",
                        f"Opened {news.name}",
                        None,
                        "",
                    ),
                )

    def _repeat_purchases(self, contact: ContactSim, first: DealSim, won_at: int) -> None:
        """Repeat deals at the customer's own pace until they drop out."""
        rng, world = self.rng, self.world
        owner = contact.account.owner if contact.account is not None else first.owner
        # Buying again follows the story BG/NBD tells (Fader, Hardie & Lee 2005), so that the
        # lifetime-value report has something to learn: while active, a customer opens a repeat
        # deal at their own pace (a rate drawn from a gamma distribution: some buy every few
        # months, some once a year), and after each purchase drops out for good with their own
        # probability (drawn from a beta distribution: most stay a while, some leave soon).
        # As in the model, only a repeat purchase can be the last one.
        rate = rng.gammavariate(REPEAT_RATE_SHAPE, REPEAT_RATE_SCALE)
        dropout = rng.betavariate(DROPOUT_A, DROPOUT_B)
        last_close, active = won_at, True
        while active:
            opened = last_close + int(rng.expovariate(rate) * DAY)
            if opened > world.now:
                break
            retention = world.campaign_at(rng, "retention", opened)
            deal = self._new_deal(contact, opened, owner, owner, repeat=True, lead=None)
            if retention is not None and rng.random() < 0.5:
                deal.campaign = retention.id
                self._touch(
                    contact,
                    (
                        opened - int(rng.uniform(1, 20) * DAY),
                        "event",
                        retention,
                        None,
                        retention.channel,
                        "",
                        "",
                        f"Attended {retention.name}",
                        None,
                        "",
                    ),
                )
            closed = self._run_deal(
                contact, deal, REPEAT_WIN_CHANCE, REPEAT_WON_DAYS, REPEAT_LOST_DAYS
            )
            if closed is None:
                break
            last_close = closed
            if deal.won:
                self._won(contact, deal, closed)
                active = rng.random() >= dropout
