"""A busy database answers 503 with Retry-After (JSON in the API's error format, a calm page
elsewhere), never an HTML 500; the same request goes through once the database is free."""

from __future__ import annotations

import re
import sqlite3

import pytest
import requests
from django.db import OperationalError

from tandem.ops import busy
from tests.serving import clean_env, served, wait_for
from tests.smtp import free_port


@pytest.fixture
def tandem_with_a_short_busy_timeout(data_folder, tmp_path):
    port = free_port()
    env = clean_env(TANDEM_DATA_DIR=str(data_folder), TANDEM_SQLITE_BUSY_MS="200")
    log = tmp_path / "serve.log"
    args = ["--port", str(port), "--no-migrate", "--no-worker", "--no-clock"]
    with served(args, env=env, log=log):
        base = f"http://127.0.0.1:{port}"
        assert wait_for(f"{base}/login/") == 200, log.read_text()
        yield base, data_folder / "tandem.sqlite3"


class WriteLock:
    """Another connection holding the database's write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("BEGIN IMMEDIATE")

    def release(self):
        self.db.execute("ROLLBACK")
        self.db.close()


def test_the_api_answers_503_with_retry_after_while_the_database_is_locked(
    tandem_with_a_short_busy_timeout,
):
    base, path = tandem_with_a_short_busy_timeout
    # a bad token is counted (a write) before the 401
    call = {"url": f"{base}/api/v1/contacts", "headers": {"Authorization": "Bearer tdm_nope"}}
    lock = WriteLock(path)
    try:
        answer = requests.get(**call, timeout=10)
    finally:
        lock.release()

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == {"errors": [{"field": None, "message": busy.MESSAGE}]}
    assert requests.get(**call, timeout=10).status_code == 401  # free again


def test_a_page_answers_a_calm_503_while_the_database_is_locked(tandem_with_a_short_busy_timeout):
    base, path = tandem_with_a_short_busy_timeout
    browser = requests.Session()
    form = browser.get(f"{base}/login/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    sign_in = {
        "url": f"{base}/login/",
        "data": {"username": "sam", "password": "pass-word-123", "csrfmiddlewaretoken": token},
        "headers": {"Origin": base, "Referer": f"{base}/login/"},
        "allow_redirects": False,
        "timeout": 10,
    }
    lock = WriteLock(path)
    try:
        answer = browser.post(**sign_in)
    finally:
        lock.release()

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert "Busy for a moment" in answer.text
    assert "Traceback" not in answer.text
    assert browser.post(**sign_in).status_code == 302  # the same sign-in, once it is free


def test_busy_errors_are_told_from_others():
    assert busy.is_busy(OperationalError("database is locked"))
    assert busy.is_busy(OperationalError("FATAL:  sorry, too many connections for role"))
    assert busy.is_busy(OperationalError('connection to server at "127.0.0.1" failed'))
    assert not busy.is_busy(OperationalError("no such table: people_contact"))
    assert not busy.is_busy(ValueError("database is locked"))


def test_retrying_waits_longer_each_time_then_gives_up(db):
    waits: list[float] = []
    failures = iter(range(2))

    def twice_locked():
        if next(failures, None) is not None:
            raise OperationalError("database is locked")
        return "done"

    assert busy.retrying(twice_locked, sleep=waits.append) == "done"
    assert waits == [0.5, 1.0]

    def always_locked():
        raise OperationalError("database is locked")

    waits.clear()
    with pytest.raises(OperationalError):
        busy.retrying(always_locked, attempts=4, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]


def test_retrying_lets_other_errors_through_at_once(db):
    waits: list[float] = []

    def broken():
        raise OperationalError("no such table: people_contact")

    with pytest.raises(OperationalError, match="no such table"):
        busy.retrying(broken, sleep=waits.append)
    assert waits == []


def test_the_busy_timeout_comes_from_the_environment():
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite's busy timeout")
    assert settings.DATABASES["default"]["OPTIONS"]["timeout"] == settings.SQLITE_BUSY_MS / 1000
    assert (
        f"busy_timeout={settings.SQLITE_BUSY_MS}"
        in (settings.DATABASES["default"]["OPTIONS"]["init_command"])
    )
