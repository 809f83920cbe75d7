"""Filters shared by the handlers."""

from aiogram import F

# A typed answer to the bot's question; a command typed meanwhile goes to its own handler.
TYPED_ANSWER = F.text & ~F.text.startswith("/")
