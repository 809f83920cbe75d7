"""The Bot API methods the emulator implements, by lower-cased name (Telegram ignores case)."""

from emulator.methods import answers, bot_settings, files, messages, receiving
from emulator.methods.registry import ApiCall, Described, MethodHandler

METHODS: dict[str, MethodHandler] = {
    name.lower(): handler
    for module in (answers, bot_settings, files, messages, receiving)
    for name, handler in module.METHODS.items()
}

__all__ = ["METHODS", "ApiCall", "Described", "MethodHandler"]
