"""Behind a reverse proxy: the forwarded scheme, host and client address, believed only from
the proxies named in ``TANDEM_TRUSTED_PROXIES``.

Django's ``SECURE_PROXY_SSL_HEADER`` believes ``X-Forwarded-Proto`` from anyone, so a client
that reaches the server directly could claim https (and a forged ``X-Forwarded-For`` would pick
the address that the sign-in throttle counts). Here the headers count only when the peer that
opened the connection is a trusted proxy; otherwise they are ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PEER_KEY = "TANDEM_PEER_ADDR"  # REMOTE_ADDR as the connection gave it, kept in request.META


def networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``["127.0.0.1", "10.0.0.0/8", "::1"]`` → networks; a bad entry is named."""
    parsed = []
    for entry in entries:
        try:
            parsed.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TANDEM_TRUSTED_PROXIES: {entry!r} is not an address or a CIDR network"
            ) from exc
    return tuple(parsed)


def is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_of(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client behind a chain of proxies: the rightmost hop that is not a trusted proxy.

    Every proxy appends the address it was reached from, so the hops right of the first
    untrusted one were written by our proxies and the rest by whoever sent the request.
    """
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()] + [peer]
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            return hop
    return hops[0]


def _first(value: str) -> str:
    return value.split(",")[0].strip()


class TrustedProxyMiddleware:
    """Take ``X-Forwarded-Proto``/``-Host``/``-For`` from a trusted proxy, and only from one.

    It must run before ``SecurityMiddleware`` (the https redirect) and ``CsrfViewMiddleware``
    (the origin check), which read the scheme and host it sets.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.trusted = networks(settings.TANDEM_TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "") or ""
        meta[PEER_KEY] = peer
        if self.trusted and is_trusted(peer, self.trusted):
            proto = _first(meta.get("HTTP_X_FORWARDED_PROTO", "")).lower()
            if proto in {"http", "https"}:
                meta["wsgi.url_scheme"] = proto
            host = _first(meta.get("HTTP_X_FORWARDED_HOST", ""))
            if host:
                meta["HTTP_HOST"] = host
            forwarded_for = meta.get("HTTP_X_FORWARDED_FOR", "")
            if forwarded_for:
                meta["REMOTE_ADDR"] = client_of(peer, forwarded_for, self.trusted)
        return self.get_response(request)
