"""The content library: assets (file or link) with tags, found from a deal, shared as tracked
links; every share and view is a touch; content used in won vs lost deals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tandem.errors import InvalidInput
from tandem.marketing import content, content_selectors
from tandem.marketing.models import ContentAsset, ContentShare, ContentView
from tandem.people.models import Touch
from tandem.sales import services as sales
from tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def deal(cast):
    buyer = ContactFactory(account=AccountFactory(industry="Food processing"))
    return sales.deal_open(actor=cast.sales_rep, name="Cyan", owner=cast.sales_rep, contact=buyer)


def _link_asset(cast, title, **tags):
    return content.asset_create(
        actor=cast.marketer, title=title, kind="case_study", link="https://cdn.test/x.pdf", **tags
    )


def test_an_uploaded_asset_is_kept_in_the_data_folder(cast, data_dir, signed_in):
    upload = SimpleUploadedFile("Cyan story.pdf", b"%PDF-1.4 story", "application/pdf")

    asset = content.asset_create(
        actor=cast.marketer,
        title="Cyan Foods story",
        kind="case_study",
        upload=upload,
        stages="Discovery, Proposal",
        verticals=["Food processing"],
    )

    assert asset.file_name == "Cyan_story.pdf"
    assert (data_dir / "content" / asset.file_path).read_bytes() == b"%PDF-1.4 story"
    assert (asset.stages, asset.verticals) == (["Discovery", "Proposal"], ["Food processing"])
    response = signed_in(cast.sales_rep).get(f"/marketing/content/{asset.pk}/file/")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 story"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "", "link": "https://x.test"}, "title"),
        ({"kind": "poster", "link": "https://x.test"}, "kind"),
        ({}, "file"),
        ({"link": "ftp://x.test"}, "link"),
        ({"upload": SimpleUploadedFile("run.exe", b"MZ")}, "file"),
        ({"link": "https://x.test", "stages": ["x" * 61]}, "stages"),
    ],
    ids=["no-title", "bad-kind", "no-file-or-link", "bad-link", "bad-file-type", "long-tag"],
)
def test_bad_assets_are_refused_naming_the_field(cast, data_dir, fields, field):
    given = {"title": "Deck", "kind": "deck", **fields}

    with pytest.raises(InvalidInput) as caught:
        content.asset_create(actor=cast.marketer, **given)

    assert field in caught.value.errors
    assert ContentAsset.objects.count() == 0


def test_a_rep_may_not_add_assets(cast):
    with pytest.raises(PermissionDenied):
        content.asset_create(
            actor=cast.sales_rep, title="Rogue", kind="deck", link="https://x.test/d"
        )


def test_a_deal_finds_content_fitting_its_stage_and_industry(cast, deal):
    stage = deal.stage.name
    both = _link_asset(cast, "Food at this stage", stages=[stage], verticals=["Food processing"])
    stage_only = _link_asset(cast, "Any industry at this stage", stages=[stage])
    anything = _link_asset(cast, "Untagged")
    _link_asset(cast, "Other stage", stages=["Negotiation-xyz"])
    _link_asset(cast, "Other vertical", verticals=["Mining"])

    found = content_selectors.assets_for_deal(user=cast.sales_rep, deal=deal)

    assert found == [both, stage_only, anything]


def test_sharing_and_viewing_are_touches_on_the_contact(cast, deal):
    asset = _link_asset(cast, "Battle plan")

    share = content.asset_share(actor=cast.sales_rep, asset=asset, contact=deal.contact, deal=deal)
    response = Client().get(f"/c/{content.share_token(share)}/")

    assert response.status_code == 302
    assert response["Location"] == "https://cdn.test/x.pdf"
    touches = Touch.objects.filter(contact=deal.contact).order_by("id")
    assert [(t.kind, t.summary) for t in touches] == [
        ("note", "Shared case study “Battle plan”"),
        ("page_visit", "Viewed “Battle plan”"),
    ]
    share.refresh_from_db()
    assert (share.view_count, ContentView.objects.count()) == (1, 1)


def test_a_forged_share_link_is_refused(db):
    response = Client().get("/c/12:forged/")

    assert response.status_code == 404
    assert Touch.objects.count() == 0


def test_content_used_in_won_vs_lost_deals(cast, deal):
    winner, loser = _link_asset(cast, "Winner"), _link_asset(cast, "Loser")
    other = sales.deal_open(
        actor=cast.sales_rep, name="Bolt", owner=cast.sales_rep, contact=ContactFactory()
    )
    content.asset_share(actor=cast.sales_rep, asset=winner, contact=deal.contact, deal=deal)
    content.asset_share(actor=cast.marketer, asset=winner, contact=other.contact)
    content.asset_share(actor=cast.sales_rep, asset=loser, contact=other.contact, deal=other)
    sales.deal_close_won(actor=cast.sales_rep, deal=deal, amount=500)
    sales.deal_close_lost(actor=cast.sales_rep, deal=other, reason="price")

    rows = {r.title: r for r in content_selectors.content_in_won_vs_lost()}

    assert (rows["Winner"].won_deals, rows["Winner"].lost_deals) == (1, 1)
    assert (rows["Loser"].won_deals, rows["Loser"].lost_deals) == (0, 1)


def test_a_contact_not_on_the_deal_cannot_be_shared_with_from_it(cast, deal):
    asset = _link_asset(cast, "Deck")

    with pytest.raises(InvalidInput):
        content.asset_share(actor=cast.sales_rep, asset=asset, contact=ContactFactory(), deal=deal)
    assert ContentShare.objects.count() == 0


def test_the_deal_page_shows_the_content_panel_and_shares(cast, deal, signed_in):
    asset = _link_asset(cast, "Food story", verticals=["Food processing"])
    client = signed_in(cast.sales_rep)

    page = client.get(f"/sales/deals/{deal.pk}/").content.decode()
    shared = client.post(
        f"/marketing/content/{asset.pk}/share/",
        {"contact": deal.contact.pk, "deal": deal.pk, "next": f"/sales/deals/{deal.pk}/"},
        follow=True,
    )

    assert "Content for this deal" in page and "Food story" in page
    assert "/c/" in shared.content.decode()
    assert ContentShare.objects.get().deal == deal


def test_library_page_lists_assets_in_few_queries(cast, signed_in, django_assert_num_queries):
    for n in range(5):
        _link_asset(cast, f"Asset {n}", stages=["Discovery"])
    client = signed_in(cast.marketer)

    with django_assert_num_queries(8):
        page = client.get("/marketing/content/")

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<td>Discovery</td>") == 5
    assert all(f"Asset {n}" in html for n in range(5))


def test_an_employee_may_not_open_the_library(cast, signed_in):
    assert signed_in(cast.employee).get("/marketing/content/").status_code == 403


@pytest.fixture
def tagged(cast):
    """A small library: each asset tagged on one axis, and one untagged."""
    return {
        "cfo": _link_asset(cast, "ROI sheet", personas=["CFO"], products=["Sensors"]),
        "ops": _link_asset(cast, "Plant tour", personas=["Head of Operations"]),
        "mining": _link_asset(cast, "Mine story", verticals=["Mining"], stages=["Proposal"]),
        "untagged": _link_asset(cast, "Company deck"),
    }


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        pytest.param({"persona": "cfo"}, ["Company deck", "Mine story", "ROI sheet"], id="persona"),
        pytest.param(
            {"vertical": "Mining"},
            ["Company deck", "Mine story", "Plant tour", "ROI sheet"],
            id="vertical",
        ),
        pytest.param(
            {"vertical": "Food processing"},
            ["Company deck", "Plant tour", "ROI sheet"],
            id="other-vertical",
        ),
        pytest.param(
            {"stage": "Proposal"},
            ["Company deck", "Mine story", "Plant tour", "ROI sheet"],
            id="stage",
        ),
        pytest.param(
            {"stage": "Discovery"}, ["Company deck", "Plant tour", "ROI sheet"], id="other-stage"
        ),
        pytest.param({"product": "sensors"}, ["ROI sheet"], id="product"),
        pytest.param({"persona": "CFO", "q": "deck"}, ["Company deck"], id="persona-and-text"),
    ],
)
def test_the_library_filters_by_stage_persona_vertical_and_product(cast, tagged, query, titles):
    filters = content_selectors.AssetFilter.from_query(query)

    found = content_selectors.assets_for_user(user=cast.sales_rep, filters=filters)

    assert [a.title for a in found] == titles


def test_the_library_page_offers_the_tags_in_use_as_filters(cast, tagged, signed_in):
    page = signed_in(cast.sales_rep).get("/marketing/content/", {"persona": "CFO"})

    html = page.content.decode()
    assert '<label for="persona">Persona</label>' in html
    assert "<option selected>CFO</option>" in html
    assert "<option >Head of Operations</option>" in html
    assert '<label for="product">Product</label>' in html
    assert ">Plant tour</a>" not in html and ">ROI sheet</a>" in html


def test_a_rep_finds_an_unsuggested_asset_from_the_deal_and_shares_it(
    cast, deal, tagged, signed_in
):
    # given an asset the deal panel does not suggest (tagged for another vertical)
    client = signed_in(cast.sales_rep)
    panel = client.get(f"/sales/deals/{deal.pk}/").content.decode()
    assert "Mine story" not in panel and "Search the whole library" in panel
    form = client.get(
        f"/marketing/content/for-deal/{deal.pk}/", {"part": "search"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'aria-label="Search the content library"' in form and "<html" not in form
    assert "<option >CFO</option>" in form

    # when the rep searches the library from the deal (htmx swaps in the results)
    found = client.get(
        f"/marketing/content/for-deal/{deal.pk}/", {"q": "mine"}, HTTP_HX_REQUEST="true"
    )
    html = found.content.decode()
    assert found.status_code == 200 and "<html" not in html
    assert "Mine story" in html and "ROI sheet" not in html
    assert f'<option value="{deal.contact.pk}">' in html

    # and shares it with the deal's contact
    shared = client.post(
        f"/marketing/content/{tagged['mining'].pk}/share/",
        {"contact": deal.contact.pk, "deal": deal.pk, "next": f"/sales/deals/{deal.pk}/"},
    )

    # then the share counts toward the deal and is a touch on the contact
    assert shared.status_code == 302 and shared["Location"] == f"/sales/deals/{deal.pk}/"
    share = ContentShare.objects.get()
    assert (share.asset, share.contact, share.deal) == (tagged["mining"], deal.contact, deal)
    assert Touch.objects.filter(contact=deal.contact, kind="note").count() == 1


def test_the_deal_search_works_without_javascript_as_a_page(cast, deal, tagged, signed_in):
    page = signed_in(cast.sales_rep).get(
        f"/marketing/content/for-deal/{deal.pk}/", {"persona": "Head of Operations"}
    )

    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert "Plant tour" in html and "ROI sheet" not in html


def test_a_rep_shares_from_the_asset_page_to_a_contact_of_their_deal(cast, deal, signed_in):
    asset = _link_asset(cast, "Mine story", verticals=["Mining"])
    teammate = ContactFactory(account=deal.contact.account, last_name="Zed")
    client = signed_in(cast.sales_rep)

    page = client.get(f"/marketing/content/{asset.pk}/").content.decode()
    response = client.post(
        f"/marketing/content/{asset.pk}/share/",
        {"target": f"{deal.pk}:{teammate.pk}", "next": f"/marketing/content/{asset.pk}/"},
        follow=True,
    )

    assert '<optgroup label="Cyan">' in page
    assert f'<option value="{deal.pk}:{teammate.pk}">' in page
    assert "/c/" in response.content.decode()
    share = ContentShare.objects.get()
    assert (share.contact, share.deal) == (teammate, deal)


def test_a_rep_may_not_share_to_a_deal_they_cannot_see(cast, signed_in):
    asset = _link_asset(cast, "Deck")
    buyer = ContactFactory(account=AccountFactory())
    theirs = sales.deal_open(
        actor=cast.other_team_rep, name="South deal", owner=cast.other_team_rep, contact=buyer
    )
    client = signed_in(cast.sales_rep)

    page = client.get(f"/marketing/content/{asset.pk}/").content.decode()
    shared = client.post(
        f"/marketing/content/{asset.pk}/share/", {"target": f"{theirs.pk}:{buyer.pk}"}
    )
    searched = client.get(f"/marketing/content/for-deal/{theirs.pk}/", HTTP_HX_REQUEST="true")

    assert "South deal" not in page
    assert shared.status_code in (403, 404)
    assert searched.status_code in (403, 404)
    assert ContentShare.objects.count() == 0
    assert Touch.objects.filter(contact=buyer).count() == 0


@pytest.mark.parametrize("role", ["anonymous", "employee"])
def test_the_deal_search_is_closed_to_those_without_the_library(cast, deal, signed_in, role):
    client = Client() if role == "anonymous" else signed_in(cast.employee)

    response = client.get(f"/marketing/content/for-deal/{deal.pk}/")

    assert response.status_code in (302, 403, 404)
    if role == "anonymous":
        assert response["Location"].startswith("/login/")


def test_won_vs_lost_counts_only_deals_open_when_the_content_was_shared(cast, signed_in):
    rep = cast.sales_rep
    account = AccountFactory(industry="Mining")
    ann, ben, cy = (ContactFactory(account=account) for _ in range(3))
    case, card = _link_asset(cast, "Case study"), _link_asset(cast, "Battlecard")

    def open_deal(name, contact):
        return sales.deal_open(actor=rep, name=name, owner=rep, contact=contact)

    # given a deal of Ann's lost before anything was shared
    lost_before = open_deal("Lost before", ann)
    sales.deal_close_lost(actor=rep, deal=lost_before, reason="price")
    # and deals open when the case study is shared with Ann: hers and her colleagues'
    won_after = open_deal("Won after", ann)
    colleague = open_deal("Colleague's", ben)
    open_deal("Still open", cy)
    elsewhere = open_deal("Elsewhere", ContactFactory(account=AccountFactory()))
    case_share = content.asset_share(actor=rep, asset=case, contact=ann)
    content.asset_share(actor=rep, asset=card, contact=elsewhere.contact, deal=elsewhere)
    content.share_view(token=content.share_token(case_share))

    # when they are decided, a deal of Ann's opens and closes after the share, and the
    # battlecard reaches Ann only after that
    sales.deal_close_won(actor=rep, deal=won_after, amount=900)
    sales.deal_close_lost(actor=rep, deal=colleague, reason="timing")
    opened_after = open_deal("Opened after", won_after.contact)
    sales.deal_close_won(actor=rep, deal=opened_after, amount=400)
    sales.deal_close_won(actor=rep, deal=elsewhere, amount=300)
    content.asset_share(actor=rep, asset=card, contact=ann)

    rows = {r.title: r for r in content_selectors.content_in_won_vs_lost()}

    # then each asset counts only the deals that were open when it went out
    assert (rows["Case study"].won_deals, rows["Case study"].lost_deals) == (1, 1)
    assert (rows["Case study"].open_deals, rows["Case study"].views) == (1, 1)
    assert (rows["Battlecard"].won_deals, rows["Battlecard"].lost_deals) == (1, 0)
    assert (rows["Battlecard"].open_deals, rows["Battlecard"].views) == (1, 0)
    page = signed_in(cast.marketer).get("/marketing/content/").content.decode()
    assert (
        '<tr><td>Case study</td><td class="num">1</td><td class="num">1</td>'
        '<td class="num">1</td><td class="num">1</td></tr>'
    ) in page
