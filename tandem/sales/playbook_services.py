"""Playbooks: sales asks. Discovery questions per stage, set by managers, answered on deals."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.sales.models import Deal, PipelineStage, PlaybookAnswer, PlaybookQuestion


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput.field("text", "write the question")
    if len(text) > 300:
        raise InvalidInput.field("text", "must be at most 300 characters")
    return text


def playbook_question_create(
    *,
    actor: Any,
    stage: PipelineStage,
    text: str,
    is_key: bool = False,
    choices: str = "",
    via: str = "ui",
) -> PlaybookQuestion:
    """Add a discovery question to a stage (last in its order)."""
    policies.require(actor, "create", "sales_plan")
    if stage.outcome != PipelineStage.Outcome.OPEN:
        raise InvalidInput.field("stage", "questions belong to open stages")
    with transaction.atomic():
        question = PlaybookQuestion.objects.create(
            stage=stage,
            text=_clean_text(text),
            is_key=is_key,
            choices="\n".join(c.strip() for c in (choices or "").splitlines() if c.strip()),
            position=stage.questions.count(),
            created_by=actor,
        )
        audit.record_created(actor=actor, obj=question, via=via)
    return question


def playbook_question_update(
    *,
    actor: Any,
    question: PlaybookQuestion,
    text: str,
    is_key: bool,
    choices: str = "",
    is_active: bool = True,
    via: str = "ui",
) -> PlaybookQuestion:
    """Reword a question, mark it key or not, change its choices, or retire it."""
    policies.require(actor, "change", "sales_plan", question)
    with transaction.atomic():
        before = audit.snapshot(question)
        question.text, question.is_key, question.is_active = _clean_text(text), is_key, is_active
        question.choices = "\n".join(c.strip() for c in (choices or "").splitlines() if c.strip())
        question.save(update_fields=["text", "is_key", "is_active", "choices"])
        audit.record_updated(actor=actor, obj=question, before=before, via=via)
    return question


def playbook_question_delete(*, actor: Any, question: PlaybookQuestion, via: str = "ui") -> None:
    """Delete a question with its answers (retire it instead to keep the answers)."""
    policies.require(actor, "delete", "sales_plan", question)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=question, via=via)
        question.delete()


def playbook_answer_save(
    *,
    actor: Any,
    deal: Deal,
    question: PlaybookQuestion,
    choice: str = "",
    text: str = "",
    via: str = "ui",
) -> PlaybookAnswer | None:
    """Answer a discovery question on a deal; an empty answer clears it (returns None)."""
    policies.require(actor, "change", "deal", deal)
    if question.stage.pipeline_id != deal.pipeline_id:
        raise InvalidInput.field("question", "that question is not in this deal's pipeline")
    choice, text = (choice or "").strip(), (text or "").strip()
    if choice and choice not in question.choice_list:
        raise InvalidInput.field("choice", f"choose one of: {', '.join(question.choice_list)}")
    if len(text) > 5000:
        raise InvalidInput.field("text", "must be at most 5000 characters")
    with transaction.atomic():
        answer = PlaybookAnswer.objects.filter(deal=deal, question=question).first()
        if not choice and not text:
            if answer is not None:
                audit.record_deleted(actor=actor, obj=answer, via=via)
                answer.delete()
            return None
        if answer is None:
            answer = PlaybookAnswer.objects.create(
                deal=deal,
                question=question,
                choice=choice,
                text=text,
                answered_by=actor,
                answered_at=timezone.now(),
            )
            audit.record_created(actor=actor, obj=answer, via=via)
            return answer
        before = audit.snapshot(answer)
        answer.choice, answer.text = choice, text
        answer.answered_by, answer.answered_at = actor, timezone.now()
        answer.save(update_fields=["choice", "text", "answered_by", "answered_at"])
        audit.record_updated(actor=actor, obj=answer, before=before, via=via)
    return answer
