"""An archived custom field takes no values from a file: a column mapped to it is a
configuration error naming the column and the field, when configured and when run later."""

from __future__ import annotations

import pytest

from tandem.errors import InvalidInput
from tandem.fields.field_services import custom_field_archive
from tandem.fields.services import custom_field_define
from tandem.imports import services
from tandem.imports.models import ImportJob

FILE = "Email,Plants\nann@acme.test,40\n"


@pytest.fixture
def plants(db):
    return custom_field_define(entity="contact", label="Plants", kind="number")


def test_a_column_mapped_to_an_archived_field_is_refused_naming_it(cast, upload, plants):
    custom_field_archive(actor=cast.admin, field=plants)
    job = upload(FILE)
    with pytest.raises(InvalidInput) as refused:
        services.import_configure(
            user=cast.admin, job=job, mapping={"Email": "email", "Plants": "custom:plants"}
        )
    assert refused.value.errors == {
        "mapping.Plants": "column 'Plants' fills the custom field 'Plants' (plants), which is "
        "archived: its values are kept but no longer set; leave the column out, or bring the "
        "field back on the custom fields page"
    }


def test_a_new_field_named_as_an_archived_one_is_refused_too(cast, upload, plants):
    custom_field_archive(actor=cast.admin, field=plants)
    job = upload(FILE)
    with pytest.raises(InvalidInput) as refused:
        services.import_configure(
            user=cast.admin, job=job, mapping={"Email": "email", "Plants": "new_custom:number"}
        )
    assert list(refused.value.errors) == ["mapping.Plants"]


def test_a_field_archived_after_the_mapping_stops_the_dry_run_and_the_start(cast, upload, plants):
    job = upload(FILE)
    services.import_configure(
        user=cast.admin, job=job, mapping={"Email": "email", "Plants": "custom:plants"}
    )
    custom_field_archive(actor=cast.admin, field=plants)
    for step in (services.import_dry_run, services.import_start):
        with pytest.raises(InvalidInput) as refused:
            step(user=cast.admin, job=job)
        assert "archived" in refused.value.errors["mapping.Plants"]
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.CONFIGURED
