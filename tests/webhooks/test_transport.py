"""The sender's own HTTP: connections kept alive between messages, and TLS that checks the
certificate against the endpoint's host name (real servers on loopback, a certificate made
by ``openssl`` for the test)."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import pytest

from tandem.people import services as people
from tandem.webhooks import sender, transport
from tandem.webhooks.models import Attempt, Delivery, DeliveryStatus
from tests.webhooks import receiver as receivers
from tests.webhooks.verify import signature_valid


@pytest.mark.django_db(transaction=True)
def test_one_lane_sends_its_messages_on_one_kept_connection(cast, endpoint_for, monkeypatch):
    monkeypatch.setattr(sender, "LANES_PER_ENDPOINT", 1)
    kept = receivers.start(keep_alive=True)
    try:
        endpoint_for(kept.url, ["contact.created"])
        with pytest.MonkeyPatch.context() as held:
            held.setattr("tandem.webhooks.outbox.sender_start", lambda: None)
            for n in range(5):
                people.contact_create(actor=cast.marketer, email=f"p{n}@acme.test")
        assert sender.deliveries_send_due()["delivered"] == 5
    finally:
        kept.stop()
    assert len({r.peer for r in kept.received}) == 1
    assert len(kept.received) == 5


def _certificate(folder, name: str) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = str(folder / f"{name}.pem"), str(folder / f"{name}.key")
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",  # noqa: S607
         "-keyout", key, "-out", cert, "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An https receiver for ``localhost`` (and the sender trusting its certificate), or one
    whose certificate names another host."""
    started = []

    def _start(certificate_for: str = "localhost"):
        cert, key = _certificate(tmp_path, certificate_for)
        server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_side.load_cert_chain(cert, key)
        monkeypatch.setattr(transport, "_tls", lambda: ssl.create_default_context(cafile=cert))
        started.append(receivers.start(tls=server_side, host="localhost"))
        return started[-1]

    yield _start
    for server in started:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_an_https_endpoint_gets_its_message_over_checked_tls(cast, endpoint_for, tls_receiver):
    server = tls_receiver()
    endpoint = endpoint_for(server.url, ["contact.created"])
    people.contact_create(actor=cast.marketer, email="ann@acme.test")
    assert len(server.received) == 1
    assert signature_valid(endpoint.secret, server.received[0].headers, server.received[0].body)
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_a_certificate_for_another_host_is_refused(cast, endpoint_for, tls_receiver):
    server = tls_receiver(certificate_for="elsewhere.test")
    endpoint_for(server.url, ["contact.created"])
    people.contact_create(actor=cast.marketer, email="ann@acme.test")
    assert server.received == []
    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert "certificate" in attempt.error.lower() or "hostname" in attempt.error.lower()
