"""Background work of marketing email: one batch per task, each enqueuing the next."""

from __future__ import annotations

from django_tasks import task

from tandem.mailing import engine


@task()
def send_batch(send_id: int) -> dict[str, int]:
    """Send one batch; while recipients are waiting and the send is not paused, queue the next.

    A batch that finds another worker holding the send does nothing: that worker queues the
    next batch itself.
    """
    result = engine.send_batch_run(send_id=send_id)
    if result.has_more:
        send_batch.enqueue(send_id)
    return {
        "sent": result.sent,
        "skipped": result.skipped,
        "failed": result.failed,
        "uncertain": result.uncertain,
    }
