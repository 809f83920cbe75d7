"""aiogram sends every filter and handler that is not a coroutine function to a thread, one
trip per check (``handlers/common/filters.py``): a text answer was checked against some forty
states that way before it reached its handler. The bot's own are all checked in the event
loop."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Dispatcher, F, Router
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.filters import Command, or_f


def sent_to_a_thread(dispatcher: Dispatcher) -> list[str]:
    found = []
    for router in dispatcher.chain_tail:
        for event, observer in router.observers.items():
            # the router's own filters, given to ``router.<event>.filter(...)``
            own: list[FilterObject] = observer._handler.filters or []
            found += _of_filters(f"{router.name} {event}", own)
            for handler in observer.handlers:
                found += _of_handler(f"{router.name} {event}", handler)
    return found


def _of_handler(where: str, handler: HandlerObject) -> list[str]:
    name = getattr(handler.callback, "__name__", repr(handler.callback))
    found = [f"{where}: handler {name}"] if not handler.awaitable else []
    return found + _of_filters(f"{where}, before {name}", handler.filters or [])


def _of_filters(where: str, filters: Sequence[FilterObject]) -> list[str]:
    """Those of ``filters`` run in a thread, also inside ``or_f``, ``and_f`` and ``~``."""
    found = []
    for each in filters:
        if not each.awaitable:
            found.append(f"{where}: {each.magic or each.callback!r}")
        inner = getattr(each.callback, "targets", ()) or [getattr(each.callback, "target", None)]
        found += _of_filters(where, [target for target in inner if target is not None])
    return found


def test_no_filter_or_handler_of_the_bot_runs_in_a_thread(dispatcher: Dispatcher) -> None:
    assert sent_to_a_thread(dispatcher) == []


def test_a_filter_run_in_a_thread_is_found_also_inside_or_f(dispatcher: Dispatcher) -> None:
    router = Router(name="probe")
    router.message.register(_no_op, or_f(Command("probe"), F.text == "probe"))
    dispatcher.include_router(router)

    assert [line.split(":")[0] for line in sent_to_a_thread(dispatcher)] == [
        "probe message, before _no_op"
    ]


async def _no_op() -> None:
    return None
