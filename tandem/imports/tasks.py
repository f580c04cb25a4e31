"""Background work of imports: running one (resumable from its cursor)."""

from __future__ import annotations

import logging

from django_tasks import task

from tandem.imports.running import job_run

log = logging.getLogger(__name__)


@task()
def import_run_task(job_id: int) -> None:
    """Run or resume the import; a failure is kept on the job (status failed, its error)."""
    try:
        job_run(job_id)
    except Exception:
        log.exception("import %s failed", job_id)
        raise
