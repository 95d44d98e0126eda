"""Checks that a target URL may be called: scheme, no credentials, no private or metadata hosts.

Server-side request forgery guard: a steward or an API client must not be able to make the hub
post to its own network (databases, cloud metadata at 169.254.169.254). Development and tests
set SYNC_ALLOW_PRIVATE_TARGETS=1 to use receivers on 127.0.0.1.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from . import conf


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global is False for private, loopback, link-local (169.254.169.254 metadata), shared
    # (100.64/10, used by some clouds' metadata), reserved and unspecified ranges.
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ValidationError(f"cannot resolve host {host!r}: {exc}") from exc
    return sorted({info[4][0] for info in infos})


def validate_target_url(url: str, *, allow_private: bool | None = None) -> None:
    """Raise ValidationError unless `url` is an acceptable webhook endpoint."""
    allow_private = conf.allow_private_targets() if allow_private is None else allow_private
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed_schemes:
        raise ValidationError(f"target URL must use {' or '.join(sorted(allowed_schemes))}")
    if not parts.hostname:
        raise ValidationError("target URL has no host")
    if parts.username or parts.password:
        raise ValidationError("target URL must not carry credentials; use the signing secret")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for address in _resolve(parts.hostname, port):
        if not is_public_address(address):
            raise ValidationError(
                f"target host {parts.hostname} resolves to {address}, a private, loopback, link-local "
                "or metadata address (set SYNC_ALLOW_PRIVATE_TARGETS=1 to allow it)"
            )
