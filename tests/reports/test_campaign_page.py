"""A campaign's page shows what it brought in: sourced pipeline and revenue, and its
multi-touch credit from the attribution report, each against what it spent."""

from __future__ import annotations

import re

from django.test import Client

from tandem.marketing import campaign_services
from tandem.reports import services
from tandem.reports.analyses import AttributionReportInput


def _page(user, campaign) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/marketing/campaigns/{campaign.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _metric(html: str, name: str) -> str:
    found = re.search(rf'data-metric="{name}">([^<]*)<', html)
    assert found, f"no {name} on the page"
    return found.group(1)


def _credit_rows(html: str) -> dict[str, list[str]]:
    table = html[
        html.index('id="credit-title"') : html.index("</table>", html.index("credit-title"))
    ]
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th>((?:<td class="num">[^<]*</td>)+)</tr>', table
    )
    return {label: re.findall(r'<td class="num">([^<]*)</td>', cells) for label, cells in rows}


def test_sourced_pipeline_revenue_and_return_on_spend(story, cast, pinned_today):
    campaign_services.spend_add(
        actor=cast.marketing_manager,
        campaign=story.webinar,
        spent_on=pinned_today,
        amount="500",
    )

    html = _page(cast.marketer, story.webinar)

    # The won first deal (1,000) and the open renewal (250) name the webinar as their source.
    assert _metric(html, "sourced_pipeline") == "250"
    assert _metric(html, "sourced_revenue") == "1,000"
    assert _metric(html, "roi") == "100 %"  # (1,000 − 500) ÷ 500
    assert "Coming with the reports area" not in html


def test_before_any_attribution_run_the_page_says_how_to_get_one(story, cast):
    html = _page(cast.marketer, story.webinar)

    assert 'id="credit-title"' not in html
    assert "/reports/attribution/?conversion=revenue&amp;group_by=campaign" in html
    assert _metric(html, "roi") == "—"  # nothing spent yet


def test_multi_touch_credit_comes_from_the_latest_attribution_run_by_campaign(
    story, cast, pinned_today
):
    campaign_services.spend_add(
        actor=cast.marketing_manager,
        campaign=story.webinar,
        spent_on=pinned_today,
        amount="500",
    )
    services.report_run(
        actor=cast.marketer,
        analysis="attribution",
        params=AttributionReportInput(conversion="revenue", group_by="campaign"),
    )

    rows = _credit_rows(_page(cast.marketer, story.webinar))

    # Ann's journey to her first win: a blog visit (no campaign), then the webinar's form; it
    # carries her won revenue, 1,400. Last touch gives it all to the webinar, linear half.
    assert rows["Last touch"][:1] == ["1,400"]
    assert rows["Last touch"][2] == "180 %"  # (1,400 − 500) ÷ 500
    assert rows["Linear"][0] == "700"
    assert rows["First touch"][0] == "0"
    assert set(rows) >= {"Time decay", "U-shaped", "Markov", "Shapley"}


def test_a_rep_sees_sourced_revenue_but_not_marketing_s_campaign_credit(story, cast):
    services.report_run(
        actor=cast.marketer,
        analysis="attribution",
        params=AttributionReportInput(conversion="revenue", group_by="campaign"),
    )

    html = _page(cast.sales_rep, story.webinar)

    assert _metric(html, "sourced_revenue") == "1,000"
    assert 'id="credit-title"' not in html
    assert "group_by=campaign" not in html
