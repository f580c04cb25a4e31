"""Bad rows never stop good ones: each is reported with line, column, value and reason."""

from __future__ import annotations

import pytest

from tandem.errors import InvalidInput
from tandem.fields.services import custom_field_define
from tandem.imports import services
from tandem.people.models import Contact


def _problems(job):
    return [
        (p.line, p.column, p.value[:30], p.reason, p.is_row_skipped) for p in job.problems.all()
    ]


def test_a_row_of_10000_values_is_reported_and_the_others_go_in(cast, upload, run_import):
    wide = "c@x.test,Cy" + ",x" * 9_998
    job = run_import(upload(f"Email,First Name\r\na@x.test,Ann\r\n{wide}\r\nb@x.test,Bo\r\n"))
    assert sorted(Contact.objects.values_list("email", flat=True)) == ["a@x.test", "b@x.test"]
    assert (job.created, job.failed) == (2, 1)
    assert _problems(job) == [
        (
            3,
            "",
            "x",
            "the row has 10,000 values but the header names 2 columns; its values may "
            "be shifted, so the row was not imported",
            True,
        )
    ]


def test_a_cell_of_a_megabyte_is_left_out_and_its_row_goes_in(cast, upload, run_import):
    huge = "y" * 1_000_001
    job = run_import(upload(f"Email,Job Title\r\na@x.test,{huge}\r\n"))
    assert Contact.objects.get().title == ""
    assert _problems(job) == [
        (
            2,
            "Job Title",
            "y" * 30,
            "the value has 1,000,001 characters; a cell may hold 1,000,000",
            False,
        )
    ]


def test_a_value_longer_than_its_field_is_left_out_and_said(cast, upload, run_import):
    job = run_import(upload(f"Email,First Name\r\na@x.test,{'N' * 101}\r\n"))
    assert Contact.objects.get().first_name == ""
    assert [p.reason for p in job.problems.all()] == ["longer than 100 characters: left out"]


def test_bytes_that_are_not_utf8_after_the_first_megabyte_are_reported(cast, upload, run_import):
    filler = "".join(f"p{n}@x.test,P\r\n" for n in range(80_000))
    data = f"Email,First Name\r\n{filler}".encode() + b"z@x.test,Z\xe9e\r\n"
    job = run_import(upload(data))
    assert Contact.objects.get(email="z@x.test").first_name == "Z\ufffde"
    assert [(p.column, p.reason) for p in job.problems.all()] == [
        ("First Name", "some characters could not be read in the file's encoding")
    ]


def test_custom_values_are_checked_by_their_field(cast, upload, run_import):
    custom_field_define(entity="contact", label="Renewal on", kind="date")
    job = upload("Email,Renewal\r\na@x.test,31.12.2026\r\nb@x.test,soon\r\n")
    job = run_import(job, mapping={"Email": "email", "Renewal": "custom:renewal_on"})
    assert job.date_order == "day_first"
    assert Contact.objects.get(email="a@x.test").custom == {"renewal_on": "2026-12-31"}
    assert [(p.line, p.reason) for p in job.problems.all()] == [
        (3, "Renewal on: 'soon' is not a date (use YYYY-MM-DD)")
    ]


@pytest.mark.parametrize(
    ("mapping", "errors"),
    [
        (
            {"Email": "first_name", "First Name": "first_name"},
            {"mapping.First Name": "columns 'Email' and 'First Name' both fill first_name"},
        ),
        (
            {"Email": "", "First Name": "first_name"},
            {
                "mapping": "map a column to Email or ID in the old system: it is how records are "
                "found"
            },
        ),
        (
            {"Email": "email", "First Name": "shoe_size"},
            {"mapping.First Name": "'shoe_size' is not a field of contacts"},
        ),
        (
            {"Email": "email", "First Name": "custom:nope"},
            {"mapping.First Name": "there is no custom field 'nope'"},
        ),
        ({"Email": "email", "Nope": "first_name"}, {"mapping": "the file has no column 'Nope'"}),
    ],
    ids=["twice", "no-key", "unknown", "no-custom", "no-column"],
)
def test_a_mapping_that_cannot_work_is_refused(cast, upload, mapping, errors):
    job = upload("Email,First Name\r\na@x.test,Ann\r\n")
    with pytest.raises(InvalidInput) as refused:
        services.import_configure(user=cast.admin, job=job, mapping=mapping)
    assert refused.value.errors == errors


def test_a_value_table_naming_an_unknown_stage_is_refused(cast, upload):
    job = upload("Email,Stage\r\na@x.test,Hot\r\n")
    with pytest.raises(InvalidInput) as refused:
        services.import_configure(
            user=cast.admin,
            job=job,
            mapping={"Email": "email", "Stage": "lifecycle_stage"},
            value_maps={"lifecycle_stage": {"Hot": "boiling"}},
        )
    assert refused.value.errors == {
        "value_maps.lifecycle_stage": "'boiling' is not a lifecycle stage"
    }


def test_a_saved_preset_maps_the_next_file(cast, upload, run_import):
    job = upload("E-Mail-Adresse,Vorname\r\na@x.test,Ann\r\n")
    run_import(job, mapping={"E-Mail-Adresse": "email", "Vorname": "first_name"})
    preset = services.import_preset_save(user=cast.admin, job=job, name="Our German list")
    second = upload("E-Mail-Adresse,Vorname\r\nb@x.test,Bo\r\n")
    services.import_preset_apply(user=cast.admin, job=second, preset=preset)
    assert second.mapping == {"E-Mail-Adresse": "email", "Vorname": "first_name"}
