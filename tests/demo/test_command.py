"""The ``tandem demo`` command: what a person running it sees."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tandem.people.models import Contact


def _run(**options) -> str:
    out = StringIO()
    call_command("demo", no_progress=True, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_prints_the_logins_and_the_public_form():
    output = _run(contacts=200)

    assert Contact.objects.count() == 200
    assert "Demo data written" in output
    for username in (
        "maria",
        "mark",
        "nina",
        "sven",
        "sam",
        "sofia",
        "diego",
        "leo",
        "ada",
        "eve",
        "finn",
    ):
        assert f"\n{username} " in output
    assert "Sales North" in output and "Support agent" in output
    assert "tandem-demo" in output
    # no seller is configured: the command says how to show the demo company as the seller
    assert "TANDEM_SELLER_NAME='Kestrel Industrial IoT'" in output
    assert "http://127.0.0.1:8000/" in output
    assert "http://127.0.0.1:8000/f/demo/" in output


@pytest.mark.django_db
def test_if_empty_keeps_existing_data_and_still_prints_logins():
    _run(contacts=200)

    output = _run(contacts=500, if_empty=True)

    assert Contact.objects.count() == 200
    assert "already has contacts" in output
    assert "maria" in output and "tandem-demo" in output


@pytest.mark.django_db
def test_demo_says_nothing_of_the_seller_once_one_is_configured(settings):
    settings.TANDEM_SELLER_NAME = "Fjord Sensors AS"

    output = _run(contacts=50, if_empty=True)

    assert "TANDEM_SELLER" not in output


@pytest.mark.django_db
def test_another_seed_on_a_demo_database_is_an_error():
    _run(contacts=200)

    with pytest.raises(CommandError, match="not this demo"):
        _run(contacts=200, seed=99)
