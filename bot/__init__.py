"""The composition root: settings, the bot and dispatcher factories, middlewares and the CLI.

Importing it first makes aiogram build its types' schemas only when they are used
(:mod:`bot.lean_aiogram`), which every process that runs a bot does."""

from bot import lean_aiogram

lean_aiogram.install()
