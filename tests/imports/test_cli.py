"""``tandem import FILE --type contacts``: the import run in the process, with a progress bar,
a summary and the problems written to a CSV file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tandem.imports.models import ImportJob
from tandem.people.models import Contact
from tests.imports.door_files import hubspot_contacts


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_runs_here_and_reports_where_the_problems_are(cast, tmp_path):
    path = hubspot_contacts(tmp_path)
    out, err = _run(str(path), "--type", "contacts", "--user", cast.admin.email)
    job = ImportJob.objects.get()
    assert (job.status, job.created, job.failed) == ("done", 3, 1)
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "ann@acme.test",
        "bob@bolt.test",
        "dee@acme.test",
    ]
    assert Contact.objects.get(email="ann@acme.test").lifecycle_stage == "mql"
    problems = tmp_path / f"hubspot-contacts.import-{job.pk}-problems.csv"
    assert out.splitlines() == [
        f"Imported hubspot-contacts.csv: 3 created, 0 updated, 0 skipped, 1 failed "
        f"(import #{job.pk}).",
        f"2 problems written to {problems}",
    ]
    assert problems.read_text().splitlines()[1].startswith("4,Email,not-an-email,")
    assert "4/4" in err  # the progress bar's last state


def test_dry_run_writes_nothing(cast, tmp_path):
    path = hubspot_contacts(tmp_path)
    out, _ = _run(
        str(path),
        "--type",
        "contacts",
        "--preset",
        "hubspot-contacts",
        "--dry-run",
        "--user",
        cast.marketing_manager.email,
    )
    assert out.splitlines()[0] == (
        "Dry run of hubspot-contacts.csv (contacts): 3 to create, 0 to update, 0 to skip, "
        "1 with errors. Nothing was written."
    )
    assert out.splitlines()[1].startswith("  line 4 [Email]: ")
    assert Contact.objects.count() == 0


def test_update_only_changes_known_contacts_and_creates_none(cast, tmp_path):
    _run(str(hubspot_contacts(tmp_path)), "--type", "contacts", "--user", cast.admin.email)
    changed = tmp_path / "changed.csv"
    changed.write_text(
        "Email,Job Title\r\nann@acme.test,COO\r\neve@new.test,Buyer\r\n", encoding="utf-8"
    )
    out, _ = _run(
        str(changed), "--type", "contacts", "--mode", "update_only", "--user", cast.admin.email
    )
    job = ImportJob.objects.latest("id")
    assert out.splitlines() == [
        f"Imported changed.csv: 0 created, 1 updated, 1 skipped, 0 failed (import #{job.pk}).",
        "No problems.",
    ]
    assert Contact.objects.get(email="ann@acme.test").title == "COO"
    assert not Contact.objects.filter(email="eve@new.test").exists()


def test_a_user_who_may_not_import_is_refused(cast, tmp_path):
    path = hubspot_contacts(tmp_path)
    with pytest.raises(CommandError, match="Your role may not create a new contact import"):
        _run(str(path), "--type", "contacts", "--user", cast.sales_rep.email)


def test_an_unknown_user_or_file_is_named(cast, tmp_path):
    with pytest.raises(CommandError, match="no active user has the email nobody@x.test"):
        _run(str(hubspot_contacts(tmp_path)), "--type", "contacts", "--user", "nobody@x.test")
    with pytest.raises(CommandError, match="no such file"):
        _run(str(tmp_path / "missing.csv"), "--type", "contacts", "--user", cast.admin.email)


def test_deals_from_hubspot_by_a_sales_manager(cast, tmp_path):
    path = Path(__file__).parent / "files" / "hubspot-deals-semicolon.csv"
    out, _ = _run(
        str(path),
        "--type",
        "deals",
        "--preset",
        "hubspot-deals",
        "--user",
        cast.sales_manager.email,
        "--problems",
        str(tmp_path / "p.csv"),
    )
    job = ImportJob.objects.get()
    assert out.splitlines() == [
        f"Imported hubspot-deals-semicolon.csv: 3 created, 0 updated, 0 skipped, 0 failed "
        f"(import #{job.pk}).",
        f"3 problems written to {tmp_path / 'p.csv'}",
    ]
    problems = (tmp_path / "p.csv").read_text().splitlines()
    assert [line.split(",")[:2] for line in problems[1:]] == [
        ["4", "Deal Stage"],
        ["4", "Amount"],
        ["4", "Close Date"],
    ]


def test_a_preset_of_another_kind_is_refused(cast, tmp_path):
    with pytest.raises(CommandError, match="the preset hubspot-deals is for deals"):
        _run(
            str(hubspot_contacts(tmp_path)),
            "--type",
            "contacts",
            "--preset",
            "hubspot-deals",
            "--user",
            cast.admin.email,
        )


def _saved_preset(cast, tmp_path, name: str = "Trade show sheet"):
    """A preset saved in the wizard for a spreadsheet no built-in preset knows."""
    from tandem.imports import services

    job = services.import_upload(
        user=cast.admin,
        file=io.BytesIO(b"Mail,Given,Badge\r\nx@y.test,X,1\r\n"),
        filename="first.csv",
        object_type="contacts",
    )
    services.import_configure(
        user=cast.admin, job=job, mapping={"Mail": "email", "Given": "first_name", "Badge": ""}
    )
    return services.import_preset_save(user=cast.admin, job=job, name=name)


def test_a_preset_saved_in_the_wizard_is_used_by_its_name(cast, tmp_path):
    # given a preset the company saved, and a new file of that layout
    _saved_preset(cast, tmp_path)
    path = tmp_path / "show.csv"
    path.write_text("Mail,Given,Badge\r\nann@acme.test,Ann,7\r\nbob@acme.test,Bob,8\r\n")
    # when it is imported naming the preset (in any case)
    out, _err = _run(
        str(path), "--type", "contacts", "--preset", "trade show SHEET", "--user", cast.admin.email
    )
    # then its mapping was used
    assert "2 created" in out
    assert sorted(Contact.objects.values_list("email", "first_name")) == [
        ("ann@acme.test", "Ann"),
        ("bob@acme.test", "Bob"),
    ]


def test_an_unknown_preset_lists_those_there_are(cast, tmp_path):
    _saved_preset(cast, tmp_path)
    with pytest.raises(CommandError) as refused:
        _run(
            str(hubspot_contacts(tmp_path)),
            "--type",
            "contacts",
            "--preset",
            "Trade fair",
            "--user",
            cast.admin.email,
        )
    assert str(refused.value) == (
        "no preset called 'Trade fair' for contacts; built in: hubspot-contacts, "
        "salesforce-leads, salesforce-contacts; saved: Trade show sheet"
    )


def test_a_saved_preset_of_another_kind_is_refused(cast, tmp_path):
    _saved_preset(cast, tmp_path)
    with pytest.raises(CommandError, match="the preset Trade show sheet is for contacts"):
        _run(
            str(hubspot_contacts(tmp_path)),
            "--type",
            "accounts",
            "--preset",
            "Trade show sheet",
            "--user",
            cast.admin.email,
        )
