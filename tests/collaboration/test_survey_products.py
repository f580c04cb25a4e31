"""NPS by product: what each named respondent's company bought (delivered or invoiced
orders), shown whole to marketing and protected for sales even though groups overlap."""

from __future__ import annotations

import pytest

from tandem.collaboration import survey_selectors as selectors
from tandem.orders import order_services
from tandem.orders import quote_services as quotes
from tandem.orders import services as orders
from tandem.people import services as people
from tandem.sales import services as sales
from tests.collaboration.test_surveys import answer

SENSOR, LICENCE = "Fleet Monitor sensor", "Predictive Maintenance licence"


def _company(cast, name: str, size: int):
    account = people.account_create(actor=cast.marketer, name=name)
    contacts = [
        people.contact_create(
            actor=cast.marketer,
            email=f"{name.lower()}{n}@{name.lower()}.test",
            first_name=f"{name}{n}",
            audience_types=["customer"],
            account=account,
        )
        for n in range(size)
    ]
    return account, contacts


def _bought(cast, contact, *products, steps: int = 2):
    """An order on a deal of ``contact`` for one of each product, advanced ``steps`` times
    (2: delivered, 3: invoiced, 0: only confirmed)."""
    deal = sales.deal_open(
        actor=cast.admin, name=f"{contact} order", owner=cast.sales_rep, contact=contact
    )
    for product in products:
        orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=product.pk, quantity=1)
    order = quotes.quote_accept(
        actor=cast.sales_rep, quote=quotes.quote_create(actor=cast.sales_rep, deal=deal)
    )
    for _ in range(steps):
        order = order_services.order_advance(actor=cast.sales_rep, order=order)
    return order


@pytest.fixture
def open_survey(cast):
    from tandem.collaboration import survey_services
    from tests.collaboration.test_surveys import QUESTIONS

    survey = survey_services.survey_create(
        actor=cast.marketer, title="How are we doing?", questions=QUESTIONS
    )
    survey_services.survey_send(actor=cast.marketer, survey=survey, audience_type="customer")
    survey.refresh_from_db()
    return survey


def _nps_question(user, survey):
    return selectors.survey_results(user=user, survey=survey).questions[0]


def test_marketing_sees_nps_by_the_products_each_respondents_company_bought(
    cast, catalog, open_survey
):
    # given Acme bought sensors and a licence (delivered), Beta sensors (invoiced), Gamma a
    # gateway still only confirmed, and a contact without a company bought a licence herself
    _, acme = _company(cast, "Acme", 2)
    _, beta = _company(cast, "Beta", 1)
    _, gamma = _company(cast, "Gamma", 1)
    solo = people.contact_create(
        actor=cast.marketer, email="solo@solo.test", audience_types=["customer"]
    )
    _bought(cast, acme[0], catalog.sensor, catalog.licence)
    _bought(cast, beta[0], catalog.sensor, steps=3)
    _bought(cast, gamma[0], catalog.gateway, steps=0)
    _bought(cast, solo, catalog.licence)
    for person, score in zip([*acme, *beta, *gamma, solo], [10, 6, 9, 3, 8], strict=True):
        answer(open_survey, person, nps=score)

    result = _nps_question(cast.marketer, open_survey)

    # then every Acme respondent counts for both products (also the one who did not buy)
    assert [(g.label, g.answers, g.nps.score) for g in result.by_product] == [
        (SENSOR, 3, 33),  # Acme 10, 6 and Beta 9: two promoters, one detractor
        (LICENCE, 3, 0),  # Acme 10, 6 and solo 8
    ]


def test_sales_sees_no_product_group_under_five_nor_one_the_total_gives_away(
    cast, catalog, open_survey
):
    # given seven sensor customers and one customer who bought nothing: 8 answers in all
    _, acme = _company(cast, "Acme", 7)
    _, other = _company(cast, "Other", 1)
    _bought(cast, acme[0], catalog.sensor)
    for person in [*acme, *other]:
        answer(open_survey, person, nps=9)

    result = _nps_question(cast.sales_rep, open_survey)

    # then the sensor group (7) is withheld: the total (8) minus it would be one person
    assert [(g.label, g.answers, g.nps) for g in result.by_product] == [(SENSOR, 7, None)]
    assert result.nps is not None and result.nps.answers == 8


def test_two_overlapping_product_groups_cannot_be_subtracted_to_isolate_a_small_company(
    cast, catalog, open_survey
):
    # given Acme (3 people) bought both products, Beta (5) sensors, Delta (5) licences
    _, acme = _company(cast, "Acme", 3)
    _, beta = _company(cast, "Beta", 5)
    _, delta = _company(cast, "Delta", 5)
    _bought(cast, acme[0], catalog.sensor, catalog.licence)
    _bought(cast, beta[0], catalog.sensor)
    _bought(cast, delta[0], catalog.licence)
    for person, score in zip([*acme, *beta, *delta], [0, 0, 0] + [10] * 10, strict=True):
        answer(open_survey, person, nps=score)

    marketing = _nps_question(cast.marketer, open_survey)
    sales_view = _nps_question(cast.sales_rep, open_survey)

    # marketing sees both groups of 8
    assert [(g.label, g.answers) for g in marketing.by_product] == [(SENSOR, 8), (LICENCE, 8)]
    # each group has 8 answers and differs from the other by 5, yet sensor + licence − total
    # would be Acme's three detractors: one of the two is withheld for sales
    shown = {g.label: g.nps for g in sales_view.by_product}
    assert shown[SENSOR] is None
    assert shown[LICENCE] is not None and shown[LICENCE].answers == 8
    assert sales_view.nps is not None and sales_view.nps.answers == 13


def test_the_survey_page_and_api_show_nps_by_product(cast, catalog, open_survey, client, api):
    _, acme = _company(cast, "Acme", 5)
    _bought(cast, acme[0], catalog.sensor)
    for person in acme:
        answer(open_survey, person, nps=10)
    client.force_login(cast.marketer)

    page = client.get(f"/surveys/{open_survey.pk}/").content.decode()
    body = api("marketer").get(f"/surveys/{open_survey.pk}/results").json()

    assert "NPS by product" in page and SENSOR in page
    assert body["questions"][0]["by_product"] == [
        {
            "label": SENSOR,
            "answers": 5,
            "nps": {"answers": 5, "promoters": 5, "passives": 0, "detractors": 0, "score": 100},
        }
    ]


@pytest.mark.parametrize("steps", [pytest.param(0, id="confirmed"), pytest.param(1, id="shipped")])
def test_an_order_not_yet_delivered_gives_no_product(cast, catalog, steps):
    _, acme = _company(cast, "Acme", 1)
    _bought(cast, acme[0], catalog.sensor, steps=steps)

    assert selectors.products_by_contact([acme[0].pk]) == {}


def test_rating_and_choice_answers_are_distributed_by_product_and_month(
    cast, catalog, open_survey, client
):
    # given five sensor customers who rate onboarding 5,5,4,4,1 and pick Price or Fit
    _, acme = _company(cast, "Acme", 5)
    _bought(cast, acme[0], catalog.sensor)
    for person, rating, single in zip(
        acme, [5, 5, 4, 4, 1], ["Price", "Price", "Fit", "Price", "Fit"], strict=True
    ):
        answer(open_survey, person, rating=rating, single=single)

    results = selectors.survey_results(user=cast.marketer, survey=open_survey).questions
    rating, single = results[1], results[2]

    [sensor] = rating.distributions_by["product"]
    assert (sensor.label, sensor.answers, sensor.distribution) == (
        SENSOR,
        5,
        [("1", 1), ("2", 0), ("3", 0), ("4", 2), ("5", 2)],
    )
    [month] = single.distributions_by["month"]
    assert month.distribution == [("Price", 3), ("Support", 0), ("Fit", 2)]
    client.force_login(cast.marketer)
    assert "Answers by product" in client.get(f"/surveys/{open_survey.pk}/").content.decode()


def test_sales_sees_no_distribution_of_a_small_or_subtractable_group(cast, catalog, open_survey):
    # given six customers, five of whom bought sensors
    _, acme = _company(cast, "Acme", 5)
    _, other = _company(cast, "Other", 1)
    _bought(cast, acme[0], catalog.sensor)
    for person in [*acme, *other]:
        answer(open_survey, person, rating=4, single="Price")

    rating = selectors.survey_results(user=cast.sales_rep, survey=open_survey).questions[1]

    # the total (6) minus sensors (5) would be the one other customer: withheld
    assert [(g.label, g.distribution) for g in rating.distributions_by["product"]] == [
        (SENSOR, None)
    ]
    [month] = rating.distributions_by["month"]
    assert month.answers == 6 and month.distribution is not None
