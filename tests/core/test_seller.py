"""The seller's identity: read from the settings at each call, blanks left out."""

from pathlib import Path

from tandem.core.seller import Seller, seller_identity


def test_nothing_configured_is_an_empty_seller(settings):
    settings.TANDEM_SELLER_NAME = ""
    settings.TANDEM_SELLER_ADDRESS = []
    settings.TANDEM_SELLER_TAX_ID = ""
    settings.TANDEM_SELLER_LOGO = ""

    seller = seller_identity()

    assert seller == Seller()
    assert seller.postal_lines == [] and seller.logo_file is None


def test_the_configured_seller_with_a_logo_only_when_its_file_exists(settings, tmp_path):
    settings.TANDEM_SELLER_NAME = " Fjord Sensors AS "
    settings.TANDEM_SELLER_ADDRESS = ["Bryggen 4", " ", "Norway"]
    settings.TANDEM_SELLER_TAX_ID = "NO 912 345 678 MVA"
    settings.TANDEM_SELLER_LOGO = str(tmp_path / "logo.png")

    seller = seller_identity()

    assert seller.postal_lines == ["Fjord Sensors AS", "Bryggen 4", "Norway"]
    assert seller.tax_id == "NO 912 345 678 MVA"
    assert seller.logo == Path(tmp_path / "logo.png") and seller.logo_file is None
    (tmp_path / "logo.png").write_bytes(b"png")
    assert seller.logo_file == tmp_path / "logo.png"
