"""A local Telegram Bot API emulator that enforces Telegram's rules, for tests and a sandbox.

async with run_emulator(rate_limits=RateLimits()) as emulator:
    emulator.register_bot("123:ABC", username="crm_bot")
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    bot = Bot("123:ABC", session=session)
    async with EmulatorClient(emulator.base_url) as control:
        await control.start_chat(SimulatedUser(id=1, first_name="Ann"))
        ...  # run the bot, then assert on await control.messages(1)
"""

from emulator.app import RunningEmulator, create_emulator_app, run_emulator
from emulator.client import (
    CallbackAnswer,
    ControlApiError,
    EmulatorClient,
    SentMessage,
    UserMessage,
)
from emulator.limits import RateLimitHit, RateLimits
from emulator.users import SimulatedUser

__all__ = [
    "CallbackAnswer",
    "ControlApiError",
    "EmulatorClient",
    "RateLimitHit",
    "RateLimits",
    "RunningEmulator",
    "SentMessage",
    "SimulatedUser",
    "UserMessage",
    "create_emulator_app",
    "run_emulator",
]
