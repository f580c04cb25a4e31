"""``rows_update`` writes fields back by primary key, with each field's own conversion."""

import datetime as dt

import pytest

from tandem.demo.writer import rows_update
from tandem.people.models import Contact

pytestmark = pytest.mark.django_db


def test_rows_update_writes_each_row_its_own_values_and_leaves_the_rest():
    a, b, c = (Contact.objects.create(email=f"{n}@example.com", first_name=n) for n in "abc")
    a.nurture_until, b.nurture_until = dt.date(2027, 1, 31), None
    a.first_name = "changed but not named"

    written = rows_update(Contact, ["nurture_until"], [a, b])

    assert written == 2
    rows = dict(Contact.objects.values_list("email", "nurture_until"))
    assert rows == {
        "a@example.com": dt.date(2027, 1, 31),
        "b@example.com": None,
        "c@example.com": None,
    }
    assert Contact.objects.get(pk=a.pk).first_name == "a"


def test_rows_update_keeps_aware_datetimes_exact():
    contact = Contact.objects.create(email="t@example.com")
    at = dt.datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    contact.lifecycle_changed_at = at

    rows_update(Contact, ["lifecycle_changed_at"], [contact])

    assert Contact.objects.get(pk=contact.pk).lifecycle_changed_at == at
