"""Reads of imports: the jobs a user may see, one job, the saved presets."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.access import policies
from tandem.imports.models import ImportJob, ImportPreset, ObjectType


def _resource(object_type: str) -> str:
    return f"{object_type.removesuffix('s')}_import"


def import_jobs_for_user(user: Any) -> QuerySet[ImportJob]:
    """The imports ``user`` may see: of each kind they may view, newest first."""
    allowed = Q(pk__in=[])
    for object_type in ObjectType.values:
        visible = policies.visible(user, _resource(object_type), ImportJob.objects.all())
        if visible.query.is_empty():
            continue
        allowed |= Q(object_type=object_type, pk__in=visible.values("pk"))
    return ImportJob.objects.filter(allowed).select_related("created_by")


def import_job_get_for_user(user: Any, job_id: Any) -> ImportJob:
    """The job, if ``user`` may see it: Http404 when there is none, PermissionDenied when
    they may not."""
    job = ImportJob.objects.filter(pk=job_id).select_related("created_by").first()
    if job is None:
        raise Http404("No such import")
    if not policies.can(user, "view", job.resource, job):
        raise PermissionDenied("Your role may not view this import.")
    return job


def import_presets_for(user: Any, object_type: str) -> list[ImportPreset]:
    """Saved presets of this kind (everyone who may import it shares them)."""
    if not policies.can(user, "view", _resource(object_type)):
        return []
    return list(ImportPreset.objects.filter(object_type=object_type))


def import_problems(job: ImportJob, *, limit: int | None = None) -> QuerySet:
    """The job's problems in file order."""
    problems = job.problems.order_by("line", "id")
    return problems[:limit] if limit else problems
