"""NPS by product: what each named respondent's company bought (delivered or invoiced
orders), protected for every reader even though groups overlap."""

from __future__ import annotations

import pytest

from tandem.collaboration import survey_selectors as selectors
from tandem.collaboration.models import SurveyAnswer
from tandem.collaboration.survey_groups import answer_groups, products_by_contact
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


def test_answers_are_grouped_by_the_products_each_respondents_company_bought(
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
    responses = {
        person.pk: answer(open_survey, person, nps=score).pk
        for person, score in zip([*acme, *beta, *gamma, solo], [10, 6, 9, 3, 8], strict=True)
    }

    groups = answer_groups(SurveyAnswer.objects.filter(question__position=1))

    # then every Acme respondent counts for both products (also the one who did not buy)
    assert groups["product"] == {
        SENSOR: {responses[acme[0].pk], responses[acme[1].pk], responses[beta[0].pk]},
        LICENCE: {responses[acme[0].pk], responses[acme[1].pk], responses[solo.pk]},
    }
    # and, three answers each, neither is shown to anyone
    for reader in (cast.marketer, cast.sales_rep):
        result = _nps_question(reader, open_survey)
        assert [(g.label, g.status, g.nps) for g in result.by_product] == [
            (SENSOR, "fewer", None),
            (LICENCE, "fewer", None),
        ]


@pytest.mark.parametrize("reader", ["marketer", "sales_rep"])
def test_a_product_group_the_next_release_would_give_away_keeps_its_figures(
    cast, catalog, open_survey, reader
):
    # given five sensor customers answered (released), then four more and one who bought
    # nothing: the next release's sensor group (9) minus its last one (5) would be four
    _, acme = _company(cast, "Acme", 9)
    _, other = _company(cast, "Other", 1)
    _bought(cast, acme[0], catalog.sensor)
    for person in acme[:5]:
        answer(open_survey, person, nps=9)
    for person in [*acme[5:], *other]:
        answer(open_survey, person, nps=0)

    result = _nps_question(cast.by_role(reader), open_survey)

    # then the total moves by the five; the sensor group stays as it was released
    assert (result.answers, result.nps.score) == (10, 0)
    assert [(g.label, g.answers, g.nps.score) for g in result.by_product] == [(SENSOR, 5, 100)]


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
            "status": "shown",
            "answers": 5,
            "nps": {"answers": 5, "promoters": 5, "passives": 0, "detractors": 0, "score": 100},
        }
    ]


@pytest.mark.parametrize("steps", [pytest.param(0, id="confirmed"), pytest.param(1, id="shipped")])
def test_an_order_not_yet_delivered_gives_no_product(cast, catalog, steps):
    _, acme = _company(cast, "Acme", 1)
    _bought(cast, acme[0], catalog.sensor, steps=steps)

    assert products_by_contact([acme[0].pk]) == {}


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


def test_nobody_sees_the_distribution_of_a_small_group(cast, catalog, open_survey):
    # given six customers, four of whom bought sensors, the other two answering first
    _, acme = _company(cast, "Acme", 4)
    _, other = _company(cast, "Other", 2)
    _bought(cast, acme[0], catalog.sensor)
    for person in [*other, *acme]:
        answer(open_survey, person, rating=4, single="Price")

    rating = selectors.survey_results(user=cast.marketer, survey=open_survey).questions[1]

    # five released, three of them sensor customers: fewer than five
    assert [(g.label, g.status, g.distribution) for g in rating.distributions_by["product"]] == [
        (SENSOR, "fewer", None)
    ]
    [month] = rating.distributions_by["month"]
    assert month.answers == 5 and month.distribution is not None
