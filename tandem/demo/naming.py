"""Unique company domains and personal email addresses, without a registry of used names."""

from __future__ import annotations

import math
import random

from tandem.demo import catalog


def _coprime_stride(rng: random.Random, space: int) -> int:
    while True:
        stride = rng.randrange(1, space)
        if math.gcd(stride, space) == 1:
            return stride


class Namer:
    """Unique company domains and personal email addresses for every (chunk, position).

    Each id maps through a seed-chosen bijection onto the word space, so no set of used names
    is kept and chunks can be made in any order.
    """

    def __init__(self, seed_text: str) -> None:
        rng = random.Random(f"{seed_text}:names")
        self.words = catalog.COMPANY_WORDS
        self.trades = catalog.TRADES
        self.tlds = catalog.TLDS
        self.company_space = len(self.words) * len(self.trades) * len(self.tlds)
        self.company_shift = rng.randrange(self.company_space)
        self.company_stride = _coprime_stride(rng, self.company_space)
        self.person_space = len(catalog.FIRST_NAMES) * len(catalog.LAST_NAMES)
        self.person_shift = rng.randrange(self.person_space)
        self.person_stride = _coprime_stride(rng, self.person_space)
        self.first_slugs = [catalog.ascii_slug(n) for n in catalog.FIRST_NAMES]
        self.last_slugs = [catalog.ascii_slug(n) for n in catalog.LAST_NAMES]

    def company(self, number: int) -> tuple[str, str, str, str]:
        """(name, domain, industry, tld) of company ``number``; unique domain per number."""
        lap, rest = divmod(number, self.company_space)
        code = (self.company_shift + rest * self.company_stride) % self.company_space
        code, tld_i = divmod(code, len(self.tlds))
        word_i, trade_i = divmod(code, len(self.trades))
        word, (trade, industry), tld = self.words[word_i], self.trades[trade_i], self.tlds[tld_i]
        name = f"{word} {trade}"
        slug = f"{catalog.ascii_slug(word)}-{catalog.ascii_slug(trade, '-')}"
        if lap:
            extra = catalog.GROUP_WORDS[(lap - 1) % len(catalog.GROUP_WORDS)]
            lap_no = (lap - 1) // len(catalog.GROUP_WORDS)
            name = f"{name} {extra}" + (f" {lap_no + 1}" if lap_no else "")
            slug = f"{slug}-{extra.lower()}" + (str(lap_no + 1) if lap_no else "")
        return name, f"{slug}.{tld}", industry, tld

    def person(self, number: int, shift: int = 0) -> tuple[int, int, int]:
        """(first name index, last name index, lap) — unique per ``number`` for one ``shift``."""
        lap, rest = divmod(number, self.person_space)
        code = (self.person_shift + shift + rest * self.person_stride) % self.person_space
        first_i, last_i = divmod(code, len(catalog.LAST_NAMES))
        return first_i, last_i, lap
