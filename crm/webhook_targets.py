"""Where outgoing webhooks may go: a public address over https. An address on loopback, a
private or link-local network or a cloud's metadata service is refused (a webhook must not
reach into the machine or the network the CRM runs in) unless ``allow_private`` says so, and
then plain http is allowed for those addresses only.

Every address a name resolves to is checked, and the sender connects to the checked address
itself, so a name that resolves elsewhere a moment later (DNS rebinding) gains nothing."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from crm.errors import ValidationFailed

URL_MAX = 2048
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValidationFailed):
    """The address may not receive webhooks; ``code`` says why, in words for the admin."""

    def __init__(self, code: str, **details: str) -> None:
        super().__init__(code, field="url", details=details)


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int


def parse_target(url: str) -> Target:
    """The URL's parts, or :class:`TargetRefused` when it is no http(s) address."""
    url = url.strip()
    if len(url) > URL_MAX:
        raise TargetRefused("webhook-url-too-long", max=str(URL_MAX))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused("webhook-url-invalid") from error
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("webhook-url-scheme")
    if not parts.hostname or any(char.isspace() for char in url):
        raise TargetRefused("webhook-url-invalid")
    return Target(
        url=url,
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or _default_port(parts),
    )


def _default_port(parts: SplitResult) -> int:
    return 443 if parts.scheme == "https" else 80


def is_private(address: IpAddress) -> bool:
    """Anything not on the public internet: loopback, private, link-local (the metadata
    service at 169.254.169.254), shared, reserved, multicast, and IPv4 inside IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_private(embedded)
    return not address.is_global or address.is_multicast


def check_addresses(target: Target, addresses: list[IpAddress], policy: TargetPolicy) -> None:
    """Refuse ``target`` unless every address it resolved to may be reached by its scheme."""
    if not addresses:
        raise TargetRefused("webhook-url-unresolvable", host=target.host)
    private = next((address for address in addresses if is_private(address)), None)
    if private is not None and not policy.allow_private:
        raise TargetRefused("webhook-url-private", address=str(private))
    if target.scheme == "http" and private is None:
        raise TargetRefused("webhook-url-plain-http")


async def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address ``host`` resolves to (itself when it is one)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


async def checked_addresses(target: Target, policy: TargetPolicy) -> list[IpAddress]:
    """The addresses to connect to for ``target``: all of them allowed, or TargetRefused."""
    addresses = await resolve(target.host, target.port)
    check_addresses(target, addresses, policy)
    return addresses


async def checked_target(url: str, policy: TargetPolicy) -> Target:
    target = parse_target(url)
    await checked_addresses(target, policy)
    return target
