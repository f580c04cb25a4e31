"""Survey figures released in steps, so that no answer can be worked out by differencing.

Why: a sales rep who looks at the NPS by product before and after one new answer learns that
answer's score and its company's products, by subtraction; a group of a few answers, or two
groups that differ by a few, give them away within one look. So figures are never computed
on the live answers. They are computed on a *release*: the answers received up to a moment,
cut only once at least ``MIN_GROUP`` (5) new responses have arrived since the last one, and
within it each group (a question's total, an audience type, a month, a segment, a product)
is published only if doing so keeps every answer hidden among at least five:

Every figure shown (a count, an NPS, an average, a distribution) is a sum over one set of
answers, and whatever a reader can compute from every figure they have ever seen (every
release, every group) by adding and subtracting is a sum over a union of *atoms*: the answers
that lie in exactly the same published sets. A set is published only while every atom stays
empty or of at least five answers (``Atoms.admits``), checked against the history of every
set ever published for the question. A group that would break this keeps showing its last
published figures (or is named "withheld"); a group of fewer than five shows none. So a single
new answer changes nothing anyone sees; five new answers in one group can.

Answers still waiting for a release are never in a figure; the "who answered" list of those
who may read individual answers (marketing) is live, as it always was.

Why steps rather than a delay: a daily batch still moves by one answer on a quiet day, and a
delay only postpones the subtraction; a step of five new answers per group does not. The
price: a closed survey's last one to four answers are never in a figure, and a group that
keeps growing by fewer than five between releases shows its older figures until a release
can take five of its new answers at once.

What this does not cover: the count of answers per question, when questions are optional,
differs between questions by who skipped (counts only, no values); and the history of
published sets grows with every release (a few thousand ids per question and release).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from tandem.collaboration.models import Survey, SurveyAnswer, SurveyRelease, SurveyResponse
from tandem.collaboration.survey_groups import DIMENSIONS, answer_groups

# No figure is computed from fewer answers than this, and no release step is smaller.
MIN_GROUP = 5
TOTAL = "total"
FEWER = "fewer"
WITHHELD = "withheld"
UNPUBLISHED = -1


class Atoms:
    """The answers grouped by which published sets hold them (the finest a reader can isolate)."""

    def __init__(self, published: Iterable[Iterable[int]] = (), *, min_group: int = MIN_GROUP):
        self.min_group = min_group
        self.atom_of: dict[int, int] = {}
        self.sizes: Counter[int] = Counter()
        self._next = 0
        for ids in published:
            self._split(set(ids))

    def admits(self, ids: set[int]) -> bool:
        """Whether publishing ``ids`` too leaves every atom empty or of ``min_group`` or more."""
        touched = Counter(self.atom_of.get(i, UNPUBLISHED) for i in ids)
        for atom, inside in touched.items():
            if inside < self.min_group:
                return False
            outside = self.sizes[atom] - inside
            if atom != UNPUBLISHED and 0 < outside < self.min_group:
                return False
        return True

    def add(self, ids: set[int]) -> None:
        self._split(ids)

    def _split(self, ids: set[int]) -> None:
        renumbered: dict[int, int] = {}
        for i in ids:
            atom = self.atom_of.get(i, UNPUBLISHED)
            if atom not in renumbered:
                renumbered[atom] = self._next
                self._next += 1
            if atom != UNPUBLISHED:
                self.sizes[atom] -= 1
            self.atom_of[i] = renumbered[atom]
            self.sizes[renumbered[atom]] += 1


def group_key(dimension: str, label: str) -> str:
    return f"{dimension}:{label}"


def _release_question(release: SurveyRelease, answers, question_id: int) -> None:
    """Publish what may be published of one question's released answers."""
    qid = str(question_id)
    published = {k: set(v) for k, v in release.published.get(qid, {}).items()}
    history = release.history.get(qid, [])
    atoms = Atoms(history)
    candidates = [(TOTAL, set(answers.values_list("response_id", flat=True)))]
    for dimension, groups in answer_groups(answers).items():
        candidates += [(group_key(dimension, label), ids) for label, ids in groups.items()]
    listed: dict[str, str] = {}
    for key, ids in candidates:
        if published.get(key) == ids:
            continue
        if len(ids) < MIN_GROUP:
            if key not in published:
                listed[key] = FEWER
        elif atoms.admits(ids):
            atoms.add(ids)
            published[key] = ids
            history = [*history, sorted(ids)]
        elif key not in published:
            listed[key] = WITHHELD
    release.published[qid] = {k: sorted(v) for k, v in published.items()}
    release.listed[qid] = listed
    release.history[qid] = history


def survey_release(*, survey: Survey, min_new: int = MIN_GROUP) -> SurveyRelease | None:
    """Cut a new release of the survey's figures when at least ``min_new`` responses have
    arrived since the last one (called after every answer); returns it, or None."""
    with transaction.atomic():
        release, _ = SurveyRelease.objects.select_for_update().get_or_create(survey=survey)
        new = SurveyResponse.objects.filter(survey=survey, pk__gt=release.through_response_id)
        waiting = new.aggregate(n=Count("id"), last=Max("id"))
        if waiting["n"] < max(min_new, 1):
            return None
        through = waiting["last"]
        for question in survey.questions.all():
            answers = SurveyAnswer.objects.filter(
                question=question, response__survey=survey, response_id__lte=through
            )
            _release_question(release, answers, question.pk)
        release.through_response_id = through
        release.responses = SurveyResponse.objects.filter(survey=survey, pk__lte=through).count()
        release.released_at = timezone.now()
        release.save()
    return release


def group_order(key: str) -> tuple[int, str]:
    dimension = key.partition(":")[0]
    return (DIMENSIONS.index(dimension) if dimension in DIMENSIONS else -1, key)
