"""Demo records for each area beyond the relay's core, one module per area.

Each area's extra runs once, after every chunk has been written, inside one transaction, with a
``DemoContext``. ``EXTRAS`` is the order they run in (segments before the email that is sent to
them, deals before orders). Each extra must be deterministic (use ``context.rng``) and quick at
the default 3,000 contacts.
"""

from __future__ import annotations

from tandem.demo.extras import handoff, mailing, marketing, orders, people, sales, segments
from tandem.demo.extras.context import DemoContext, DemoExtra

# The stream names are where each extra used to live (a ``demo_data`` module in its app): every
# stream is seeded from its name, so keeping the names keeps the demo company the same.
EXTRAS: tuple[tuple[str, DemoExtra], ...] = (
    ("tandem.segments.demo_data.segments_demo", segments.segments_demo),
    ("tandem.marketing.demo_data.marketing_workspace", marketing.marketing_workspace),
    ("tandem.handoff.demo_data.handoff_demo", handoff.handoff_demo),
    ("tandem.sales.demo_data.sales_workspace", sales.sales_workspace),
    ("tandem.mailing.demo_data.mailing_demo", mailing.mailing_demo),
    ("tandem.orders.demo_data.orders_demo", orders.orders_demo),
    # Last, once every extra has written its consents.
    ("tandem.people.demo_data.consent_log", people.consent_log_demo),
)


def extras_run(context: DemoContext) -> dict[str, int]:
    """Run every area's extra in order; rows written per table."""
    written: dict[str, int] = {}
    for stream, extra in EXTRAS:
        context.stream_for(stream)
        for table, n in extra(context).items():
            written[table] = written.get(table, 0) + n
    return written
