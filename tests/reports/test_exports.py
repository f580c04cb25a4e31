"""A report's tables downloaded from its page, as the one who may read the report."""

from __future__ import annotations

import csv
import io

from django.test import Client

from tandem.exports.report_tables import report_tables
from tandem.reports.models import ReportRun
from tandem.reports.services import run_result


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_funnel_page_offers_its_table(story, cast):
    client = _client(cast.marketer)
    page = client.get("/reports/funnel/").content.decode()
    run = ReportRun.objects.get(analysis="funnel")
    assert f"/exports/lists/report.csv?run={run.pk}" in page
    response = client.get("/exports/lists/report.csv", {"run": run.pk})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    # the cohorts (the first table of the result), one column per stage and measure
    assert list(report_tables(run_result(run).model_dump(mode="json"))) == [
        "cohorts",
        "time_in_stage",
    ]
    assert rows[0][:5] == [
        "key",
        "entered",
        "lead.reached",
        "lead.from_previous",
        "lead.from_first",
    ]
    assert rows[1][:4] == ["all", "2", "2", ""]
    assert len(rows) == 2
    times = client.get("/exports/lists/report.csv", {"run": run.pk, "table": "time_in_stage"})
    assert b"stage" in b"".join(times.streaming_content).splitlines()[0]
    wrong = client.get("/exports/lists/report.csv", {"run": run.pk, "table": "nope"})
    assert wrong.content.decode() == "table: choose one of: cohorts, time_in_stage"


def test_a_report_table_is_refused_to_who_cannot_read_the_report(story, cast):
    _client(cast.marketer).get("/reports/lifetime/")
    run = ReportRun.objects.get(analysis="lifetime")
    response = _client(cast.sales_rep).get("/exports/lists/report.csv", {"run": run.pk})
    assert response.status_code == 403
