"""Playbooks: discovery questions per stage, answered on deals, counted for marketing."""

import pytest
from django.core.exceptions import PermissionDenied

from tandem.errors import InvalidInput
from tandem.sales import playbook_services as playbook
from tandem.sales import selectors
from tandem.sales import services as sales
from tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def questions(cast):
    pipeline = sales.pipeline_default()
    discovery, proposal = pipeline.stages.all()[:2]
    return {
        "pain": playbook.playbook_question_create(
            actor=cast.sales_manager,
            stage=discovery,
            text="What is the main pain?",
            is_key=True,
            choices="Stock-outs\nManual work\nCost",
        ),
        "budget": playbook.playbook_question_create(
            actor=cast.sales_manager, stage=discovery, text="Is there a budget?", is_key=True
        ),
        "team": playbook.playbook_question_create(
            actor=cast.sales_manager, stage=discovery, text="Who else uses it?"
        ),
        "legal": playbook.playbook_question_create(
            actor=cast.sales_manager, stage=proposal, text="Who signs?", is_key=True
        ),
    }


def test_a_rep_may_not_edit_the_playbook(cast):
    stage = sales.pipeline_default().stages.first()

    with pytest.raises(PermissionDenied):
        playbook.playbook_question_create(actor=cast.sales_rep, stage=stage, text="Why?")


def test_unanswered_key_questions_up_to_the_deals_stage_are_listed(cast, deal, questions):
    playbook.playbook_answer_save(
        actor=cast.sales_rep, deal=deal, question=questions["pain"], choice="Stock-outs"
    )

    assert selectors.deal_unanswered_key(deal=deal) == ["Is there a budget?"]
    sales.deal_move(actor=cast.sales_rep, deal=deal, stage_id=questions["legal"].stage_id)
    assert selectors.deal_unanswered_key(deal=deal) == ["Is there a budget?", "Who signs?"]


def test_the_board_card_lists_the_open_key_questions(cast, deal, questions):
    (discovery, *_) = selectors.board(user=cast.sales_rep, pipeline=deal.pipeline)

    assert discovery.cards[0].unanswered_key == ["What is the main pain?", "Is there a budget?"]


def test_the_deal_page_shows_them_before_the_move(cast, deal, questions, client_for):
    html = client_for(cast.sales_rep).get(f"/sales/deals/{deal.pk}/").content.decode()

    assert "Key questions not answered yet" in html
    assert html.index("Is there a budget?") < html.index("Move to another stage") + 400


@pytest.mark.parametrize(
    ("choice", "text", "field"),
    [("Weather", "", "choice"), ("", "x" * 5001, "text")],
)
def test_bad_answers_name_the_field(cast, deal, questions, choice, text, field):
    with pytest.raises(InvalidInput) as exc:
        playbook.playbook_answer_save(
            actor=cast.sales_rep, deal=deal, question=questions["pain"], choice=choice, text=text
        )

    assert list(exc.value.errors) == [field]


def test_an_empty_answer_clears_it(cast, deal, questions):
    playbook.playbook_answer_save(
        actor=cast.sales_rep, deal=deal, question=questions["budget"], text="Yes, 50k"
    )
    playbook.playbook_answer_save(actor=cast.sales_rep, deal=deal, question=questions["budget"])

    assert deal.answers.count() == 0


def test_marketing_reads_answers_only_in_aggregate(cast, questions):
    retail = [AccountFactory(industry="Retail") for _ in range(4)]
    banking = AccountFactory(industry="Banking")
    for i, account in enumerate([*retail, banking]):
        contact = ContactFactory(account=account)
        deal = sales.deal_open(
            actor=cast.sales_rep, name=f"D{i}", owner=cast.sales_rep, contact=contact
        )
        playbook.playbook_answer_save(
            actor=cast.sales_rep,
            deal=deal,
            question=questions["pain"],
            choice="Stock-outs" if i < 3 else "Cost",
            text=f"secret detail {i}",
        )

    rows = selectors.market_research(user=cast.marketer, by="industry")

    # Retail/Stock-outs has 3 answers; Retail/Cost (1) and Banking/Cost (1) are too few to show.
    assert [(r.group, r.choice, r.answers) for r in rows] == [("Retail", "Stock-outs", 3)]


def test_the_research_page_shows_no_single_deal(cast, questions, client_for):
    for i in range(3):
        deal = sales.deal_open(
            actor=cast.sales_rep,
            name=f"Secret deal {i}",
            owner=cast.sales_rep,
            contact=ContactFactory(account=AccountFactory(industry="Retail")),
        )
        playbook.playbook_answer_save(
            actor=cast.sales_rep,
            deal=deal,
            question=questions["pain"],
            choice="Cost",
            text="Confidential",
        )

    html = client_for(cast.marketer).get("/sales/research/").content.decode()

    assert "What is the main pain?" in html and "Retail" in html
    assert "Secret deal" not in html and "Confidential" not in html


def test_a_manager_edits_the_playbook_through_the_page(cast, client_for):
    pipeline = sales.pipeline_default()
    stage = pipeline.stages.first()

    client_for(cast.sales_manager).post(
        f"/sales/pipelines/{pipeline.pk}/questions/",
        {"stage": stage.pk, "text": "What happens if nothing changes?", "is_key": "1"},
    )

    (question,) = stage.questions.all()
    assert (question.text, question.is_key) == ("What happens if nothing changes?", True)
