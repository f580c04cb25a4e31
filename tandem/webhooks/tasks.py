"""Background work of outbound webhooks: sending what is due."""

from __future__ import annotations

from django_tasks import task

from tandem.webhooks.sender import deliveries_send_due


@task()
def deliveries_send() -> dict[str, int]:
    """Send the deliveries that are due (new ones after their commit, retries when their time
    comes: the clock runs this every minute)."""
    return deliveries_send_due()
