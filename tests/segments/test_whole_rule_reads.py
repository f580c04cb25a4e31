"""Rules evaluated over every contact get room to hash their subqueries on PostgreSQL."""

import pytest
from django.db import connection

from tandem.segments import rebuild


def _work_mem() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
@pytest.mark.django_db(transaction=True)
def test_a_whole_rule_read_has_room_to_hash_and_gives_it_back():
    before = _work_mem()

    with rebuild.whole_rule_reads():
        inside = _work_mem()

    assert inside == "128MB"
    assert _work_mem() == before
