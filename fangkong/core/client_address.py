"""The address a request comes from, and the key sign-in throttling counts it under.

Without a proxy the client is ``REMOTE_ADDR``. Behind a reverse proxy every request comes
from the proxy, so the proxy's header (``FANGKONG_CLIENT_IP_HEADER``, e.g. ``X-Forwarded-For``)
names the client — but only a request that really comes from a trusted proxy
(``FANGKONG_FORWARDED_ALLOW_IPS``) is believed; anyone else could write the header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from functools import lru_cache

from django.conf import settings

IPV6_THROTTLE_PREFIX = 64  # one IPv6 subscriber usually holds a whole /64


@lru_cache(maxsize=8)
def _networks(
    entries: tuple[str, ...],
) -> tuple[bool, tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]]:
    every = "*" in entries
    networks = []
    for entry in entries:
        if entry != "*":
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                continue
    return every, tuple(networks)


def _trusted(address: str, proxies: Sequence[str]) -> bool:
    every, networks = _networks(tuple(proxies))
    if every:
        return True
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def _header_key(name: str) -> str:
    return "HTTP_" + name.strip().upper().replace("-", "_")


def client_address(meta: Mapping[str, object]) -> str:
    """The client's address for ``request.META``.

    1. ``REMOTE_ADDR``, unless a client header is configured and ``REMOTE_ADDR`` is a trusted
       proxy.
    2. Then the header's addresses are read from the right (the nearest hop first), skipping
       trusted proxies; the first other address is the client. An entry that is not an
       address ends the search: the request is taken as coming from ``REMOTE_ADDR``.
    """
    remote = str(meta.get("REMOTE_ADDR", "") or "")[:64]
    header = str(getattr(settings, "CLIENT_IP_HEADER", "") or "")
    proxies: Sequence[str] = getattr(settings, "TRUSTED_PROXIES", ())
    if not header or not _trusted(remote, proxies):
        return remote
    value = str(meta.get(_header_key(header), "") or "")
    for entry in reversed([part.strip() for part in value.split(",") if part.strip()]):
        try:
            address = str(ipaddress.ip_address(entry))
        except ValueError:
            return remote
        if not _trusted(address, proxies):
            return address
    return remote


def throttle_key(address: str) -> str:
    """What sign-in throttling counts an address under: an IPv4 address as it is, an IPv6
    address as its /64 network (a client can pick any address in its /64)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        mapped = parsed.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_THROTTLE_PREFIX}", strict=False))
    return str(parsed)
