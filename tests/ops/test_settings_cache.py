"""Company settings read on every touch are kept in memory, and never outlive a change."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tandem.handoff import scoring
from tandem.handoff.models import IcpRule, ServiceLevel
from tandem.handoff.service_levels import service_level
from tandem.ops import settings_cache
from tandem.people.lifecycle import stage_rules
from tandem.people.models import StageRule
from tests.factories import ContactFactory


def _reads_of(call) -> list[str]:
    with CaptureQueriesContext(connection) as seen:
        call()
    return [q["sql"] for q in seen.captured_queries]


def test_a_second_read_costs_only_the_version_check(db):
    scoring.profile()
    reads = _reads_of(scoring.profile)

    assert len(reads) == 1
    assert "ops_settingsversion" in reads[0]


def test_a_saved_rule_is_scored_at_once(db):
    contact = ContactFactory(title="", email="ann@corp.test", account=None)
    before = scoring.score_of(contact)

    IcpRule.objects.create(
        kind="business_email", field="contact.email", points=40, label="work address"
    )

    assert scoring.score_of(contact) == 40
    assert before == 10  # the defaults' business email rule


def test_a_deleted_rule_stops_counting(db):
    rule = IcpRule.objects.create(
        kind="business_email", field="contact.email", points=40, label="work address"
    )
    contact = ContactFactory(title="", email="ann@corp.test", account=None)
    assert scoring.score_of(contact) == 40

    rule.delete()

    assert scoring.score_of(contact) == 10


def test_a_change_rolled_back_is_forgotten(db):
    contact = ContactFactory(title="", email="ann@corp.test", account=None)
    assert scoring.score_of(contact) == 10

    with pytest.raises(RuntimeError), transaction.atomic():
        IcpRule.objects.create(
            kind="business_email", field="contact.email", points=40, label="work address"
        )
        assert scoring.score_of(contact) == 40  # the transaction sees its own change
        raise RuntimeError("cancel")

    assert scoring.score_of(contact) == 10


def test_stage_rules_and_service_levels_follow_their_rows(db):
    assert "mql" not in stage_rules()
    assert service_level().first_touch_hours == ServiceLevel().first_touch_hours

    StageRule.objects.create(stage="mql", requires_reason=True)
    ServiceLevel.objects.create(first_touch_hours=2)

    assert stage_rules()["mql"].requires_reason
    assert service_level().first_touch_hours == 2


def test_without_the_version_row_nothing_is_kept(db):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ops_settingsversion")
    scoring.profile()

    assert len(_reads_of(scoring.profile)) > 1


def test_pinned_settings_are_checked_once_for_the_whole_block(db):
    scoring.profile(), stage_rules(), service_level()  # cached

    def read_all():
        with settings_cache.pinned():
            scoring.profile(), stage_rules(), service_level()

    assert len(_reads_of(read_all)) == 1
    assert len(_reads_of(lambda: (scoring.profile(), stage_rules(), service_level()))) == 3


def test_a_change_inside_a_pinned_block_is_seen_in_it(db):
    contact = ContactFactory(title="", email="ann@corp.test", account=None)
    with transaction.atomic(), settings_cache.pinned():
        assert scoring.score_of(contact) == 10
        IcpRule.objects.create(
            kind="business_email", field="contact.email", points=40, label="work address"
        )
        assert scoring.score_of(contact) == 40
    assert scoring.score_of(contact) == 40


def test_a_change_committed_elsewhere_is_seen_by_the_next_block(db):
    contact = ContactFactory(title="", email="ann@corp.test", account=None)
    with settings_cache.pinned():
        assert scoring.score_of(contact) == 10
    # Another process's change: the token moves without this process's signal handler.
    IcpRule.objects.bulk_create(
        [IcpRule(kind="business_email", field="contact.email", points=40, label="work address")]
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ops_settingsversion SET token = 'elsewhere' WHERE id = 1")
    with settings_cache.pinned():
        assert scoring.score_of(contact) == 40
