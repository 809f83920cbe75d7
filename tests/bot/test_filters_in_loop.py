"""aiogram sends every filter and handler that is not a coroutine function to a thread, one
trip per check (``handlers/common/filters.py``): a text answer was checked against some forty
states that way before it reached its handler. The bot's own are all checked in the event
loop."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject


def sent_to_a_thread(dispatcher: Dispatcher) -> list[str]:
    found = []
    for router in dispatcher.chain_tail:
        for event, observer in router.observers.items():
            # the router's own filters, given to ``router.<event>.filter(...)``
            own: list[FilterObject] = observer._handler.filters or []
            found += [f"{router.name} {event}: {f.callback!r}" for f in own if not f.awaitable]
            for handler in observer.handlers:
                found += _of_handler(f"{router.name} {event}", handler)
    return found


def _of_handler(where: str, handler: HandlerObject) -> list[str]:
    name = getattr(handler.callback, "__name__", repr(handler.callback))
    found = [f"{where}: handler {name}"] if not handler.awaitable else []
    return found + [
        f"{where}: {f.magic or f.callback!r} before {name}"
        for f in handler.filters or []
        if not f.awaitable
    ]


def test_no_filter_or_handler_of_the_bot_runs_in_a_thread(dispatcher: Dispatcher) -> None:
    assert sent_to_a_thread(dispatcher) == []
