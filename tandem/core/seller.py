"""Who sells: the company named on quote PDFs and at the foot of marketing email.

Read from the settings (``TANDEM_SELLER_*``), never from the demo: a real quote must not name
the demo company. Read at each call so a changed setting (or a test's override) applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class Seller:
    """The seller's identity; every field may be blank, and a blank one is left out."""

    name: str = ""
    address: tuple[str, ...] = ()
    tax_id: str = ""
    logo: Path | None = None

    @property
    def postal_lines(self) -> list[str]:
        """The name and the address lines, blanks left out (what an email's footer shows)."""
        return [line for line in (self.name, *self.address) if line]

    @property
    def logo_file(self) -> Path | None:
        """The logo's path when the file is there (a missing logo is skipped, not an error)."""
        return self.logo if self.logo is not None and self.logo.is_file() else None


def seller_identity() -> Seller:
    """The seller as configured; an empty ``Seller`` when nothing is."""
    logo = str(getattr(settings, "TANDEM_SELLER_LOGO", "") or "").strip()
    return Seller(
        name=str(getattr(settings, "TANDEM_SELLER_NAME", "") or "").strip(),
        address=tuple(
            line.strip() for line in getattr(settings, "TANDEM_SELLER_ADDRESS", ()) if line.strip()
        ),
        tax_id=str(getattr(settings, "TANDEM_SELLER_TAX_ID", "") or "").strip(),
        logo=Path(logo) if logo else None,
    )
