"""Benchmarks: ``python -m bench`` prints each figure beside a baseline from the same run.

``bot`` is imported first so every benchmark process, the bare aiogram baselines included,
imports aiogram as the product does (:mod:`bot.lean_aiogram`)."""

import bot  # noqa: F401
