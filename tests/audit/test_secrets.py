"""The audit trail never keeps a secret: a password's or token's hash only as a fingerprint."""

import json

from tandem.access import services as access
from tandem.audit import events
from tandem.audit.models import AuditEntry


def test_a_new_user_and_token_leave_no_hash_in_the_trail(db):
    user = access.user_create(
        username="newbie", password="a long passphrase 42", role="sales_rep", check_password=False
    )

    token, raw = access.token_issue(user=user, name="website")

    trail = json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)))
    user.refresh_from_db()
    assert user.password not in trail
    assert token.key_hash not in trail
    assert raw not in trail
    created = AuditEntry.objects.get(record_type="access.user", action="create")
    assert created.changes["password"][1].startswith("sha256:")
    assert len(created.changes["password"][1]) == len("sha256:") + 12


def test_a_password_change_shows_that_it_changed_not_what_to(db):
    user = access.user_create(
        username="newbie", password="a long passphrase 42", role="sales_rep", check_password=False
    )

    before = events.snapshot(user)
    user.set_password("another passphrase 43")

    after = events.snapshot(user)

    assert before["password"] != after["password"]
    assert user.password not in json.dumps(after)
