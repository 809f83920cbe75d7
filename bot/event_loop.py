"""The event loop the product's processes run on: uvloop where it is installed (every platform
but Windows), asyncio's own elsewhere.

asyncio's selector loop and socket transports were about a fifth of a ``crm-bot serve``
process's CPU at 500 web-form requests a second (py-spy); uvloop does the same work in C.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on uvloop's event loop when there is one."""
    try:
        import uvloop
    except ImportError:  # not built for Windows
        return asyncio.run(main)
    return uvloop.run(main)
