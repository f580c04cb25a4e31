"""Reads of the sales plan: pipelines with their stages and playbook questions, quotas, and a
deal's buying-committee seats. The plan is company-wide, so no per-user scope applies."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tandem.sales.models import (
    CommitteeMember,
    Deal,
    Pipeline,
    PipelineStage,
    PlaybookQuestion,
    Quota,
)


def pipelines_with_stages() -> QuerySet[Pipeline]:
    """Every pipeline with its stages fetched alongside."""
    return Pipeline.objects.prefetch_related("stages")


def pipeline_get(*, pipeline_id: int) -> Pipeline:
    """The pipeline with this id; 404 when there is none."""
    return get_object_or_404(Pipeline, pk=pipeline_id)


def stage_get(*, pipeline: Pipeline, stage_id: int | str | None) -> PipelineStage:
    """One of a pipeline's stages; 404 when the pipeline has no such stage."""
    return get_object_or_404(PipelineStage, pk=stage_id, pipeline=pipeline)


def question_get(*, question_id: int | str, pipeline: Pipeline | None = None) -> PlaybookQuestion:
    """A playbook question (of this pipeline's stages, if given); 404 when there is none."""
    if pipeline is None:
        return get_object_or_404(PlaybookQuestion, pk=question_id)
    return get_object_or_404(PlaybookQuestion, pk=question_id, stage__pipeline=pipeline)


def quotas_of_period(*, period_kind: str, period_start: dt.date) -> QuerySet[Quota]:
    """The quotas set for one period, with their rep or team."""
    return Quota.objects.filter(period_kind=period_kind, period_start=period_start).select_related(
        "user", "team"
    )


def committee_member_get(*, deal: Deal, member_id: int) -> CommitteeMember:
    """A seat on this deal's buying committee; 404 when the deal has no such seat."""
    return get_object_or_404(CommitteeMember, pk=member_id, deal=deal)
