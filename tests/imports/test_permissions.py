"""Who may import what: admins anything, marketing managers contacts and accounts, sales
managers all three; a job is changed by the one who uploaded it, or an admin."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tandem.imports import services
from tandem.imports.models import ImportJob
from tandem.imports.selectors import import_job_get_for_user, import_jobs_for_user

FILE = b"Email,First Name\r\na@x.test,Ann\r\n"
ALLOWED = {
    "contacts": {"marketing_manager", "sales_manager", "admin"},
    "accounts": {"marketing_manager", "sales_manager", "admin"},
    "deals": {"sales_manager", "admin"},
}
ROLES = (
    "marketer",
    "marketing_manager",
    "sales_rep",
    "sales_manager",
    "leadership",
    "admin",
    "employee",
)


@pytest.mark.parametrize("object_type", ["contacts", "accounts", "deals"])
@pytest.mark.parametrize("role", ROLES)
def test_upload_is_allowed_by_role_and_kind(cast, role, object_type):
    user = cast.by_role(role)
    upload = lambda: services.import_upload(  # noqa: E731
        user=user, file=io.BytesIO(FILE), filename="f.csv", object_type=object_type
    )
    if role in ALLOWED[object_type]:
        assert upload().created_by == user
    else:
        with pytest.raises(PermissionDenied):
            upload()
        assert not ImportJob.objects.exists()


def test_anonymous_may_not_upload(db):
    with pytest.raises(PermissionDenied):
        services.import_upload(
            user=AnonymousUser(), file=io.BytesIO(FILE), filename="f.csv", object_type="contacts"
        )


def test_a_manager_changes_only_their_own_import_and_an_admin_any(cast, upload):
    job = upload(FILE, user=cast.marketing_manager)
    configure = lambda user: services.import_configure(  # noqa: E731
        user=user, job=job, mapping=job.mapping
    )
    with pytest.raises(PermissionDenied):
        configure(cast.sales_manager)
    with pytest.raises(PermissionDenied):
        services.import_undo(user=cast.sales_manager, job=job)
    assert configure(cast.marketing_manager).status == "configured"
    assert configure(cast.admin).status == "configured"


def test_jobs_are_listed_to_who_may_see_their_kind(cast, upload):
    contacts = upload(FILE, user=cast.sales_manager)
    deals = upload(b"Deal Name,Amount\r\nX,1\r\n", object_type="deals", user=cast.sales_manager)
    assert list(import_jobs_for_user(cast.marketing_manager)) == [contacts]
    assert set(import_jobs_for_user(cast.admin)) == {contacts, deals}
    assert list(import_jobs_for_user(cast.sales_rep)) == []
    assert import_job_get_for_user(cast.sales_manager, deals.pk) == deals
    with pytest.raises(PermissionDenied):
        import_job_get_for_user(cast.marketing_manager, deals.pk)
    with pytest.raises(Http404):
        import_job_get_for_user(cast.admin, 999_999)
