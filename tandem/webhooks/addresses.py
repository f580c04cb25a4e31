"""Where a webhook may go: https in production, and never into the company's own network.

An endpoint's host is resolved and every address it gives is checked, when the endpoint is
saved and again before each send (a name may point elsewhere tomorrow: DNS rebinding). The
request then goes to the address that was checked, never to a second lookup. Private,
loopback, link-local, reserved and multicast addresses are refused unless the administrator
set ``TANDEM_WEBHOOKS_ALLOW_PRIVATE`` (a receiver on the same network, or tests on loopback).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class AddressRefused(Exception):
    """The URL may not be called; the message says why in a sentence."""


@dataclass(frozen=True)
class Target:
    """A URL taken apart, with the checked address the request goes to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def url_check(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of a URL Tandem may call, or ``AddressRefused``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressRefused("use an http or https URL")
    if scheme != "https" and settings.PRODUCTION:
        raise AddressRefused("use an https URL (Tandem runs in production mode)")
    if not parts.hostname:
        raise AddressRefused("the URL has no host")
    if parts.username or parts.password:
        raise AddressRefused("put no user name or password in the URL")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise AddressRefused("the URL's port is not a number") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


def addresses_check(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, if each may be called; ``AddressRefused`` if not."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(f"{host} does not resolve") from None
    found = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
    if not found:
        raise AddressRefused(f"{host} does not resolve")
    if not getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False):
        for address in found:
            if not _is_public(ipaddress.ip_address(address)):
                raise AddressRefused(
                    f"{host} is a private, loopback or link-local address ({address}); "
                    "an administrator may allow such addresses (TANDEM_WEBHOOKS_ALLOW_PRIVATE)"
                )
    return found


def target_resolve(url: str) -> Target:
    """The URL checked and resolved now, ready to send to (``AddressRefused`` otherwise)."""
    scheme, host, port, path = url_check(url)
    return Target(scheme, host, port, path, addresses_check(host, port)[0])
