"""Sales' records, one module per topic; every model is imported here for Django's registry."""

from .activities import Activity, ActivityKind, ActivityOutcome
from .committees import (
    CommitteeMember,
    CommitteeRole,
    PlaybookAnswer,
    PlaybookQuestion,
    PreferredChannel,
)
from .pipelines import (
    NO_NEXT_STEP_KEY,
    Deal,
    DealSource,
    DealStageMove,
    ForecastCategory,
    LostReason,
    Pipeline,
    PipelineStage,
)
from .reviews import FitDecision, FitReview
from .targets import ForecastAdjustment, ForecastSnapshot, PeriodKind, Quota

__all__ = [
    "NO_NEXT_STEP_KEY",
    "Activity",
    "ActivityKind",
    "ActivityOutcome",
    "CommitteeMember",
    "CommitteeRole",
    "Deal",
    "DealSource",
    "DealStageMove",
    "FitDecision",
    "FitReview",
    "ForecastAdjustment",
    "ForecastCategory",
    "ForecastSnapshot",
    "LostReason",
    "PeriodKind",
    "Pipeline",
    "PipelineStage",
    "PlaybookAnswer",
    "PlaybookQuestion",
    "PreferredChannel",
    "Quota",
]
