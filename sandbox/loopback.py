"""The sandbox's one rule about where it listens, checked before anything heavy is loaded."""

from __future__ import annotations

import ipaddress


class NotLoopback(ValueError):
    """The sandbox acts as anyone it likes: it must not be reachable from another machine."""


def require_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise NotLoopback(
            f"The sandbox listens on this computer only (127.0.0.1), not on {host}: anyone who "
            "reached it could act as the demo admin. Unset HOST or set HOST=127.0.0.1."
        )
