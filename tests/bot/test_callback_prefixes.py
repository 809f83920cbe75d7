"""Every button's callback data names its feature by a prefix no other feature uses: a shared
prefix sends one feature's presses to whichever router comes first."""

from __future__ import annotations

from collections import Counter

from aiogram.filters.callback_data import CallbackData

import bot.factory  # noqa: F401 (imports every feature's buttons)


def all_callback_classes(base: type[CallbackData]) -> list[type[CallbackData]]:
    found = []
    for subclass in base.__subclasses__():
        found.append(subclass)
        found += all_callback_classes(subclass)
    return found


def test_no_two_kinds_of_button_share_a_prefix() -> None:
    prefixes = Counter(
        cls.__prefix__
        for cls in all_callback_classes(CallbackData)
        if cls.__module__.startswith("handlers.")
    )

    assert [prefix for prefix, count in prefixes.items() if count > 1] == []
