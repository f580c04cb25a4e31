"""Background work of the access area."""

from __future__ import annotations

from django_tasks import task

from tandem.access.ratelimit import counters_prune


@task()
def rate_counters_prune() -> int:
    """Drop the rate counters of ended windows (hourly, by the clock); how many went."""
    return counters_prune()
