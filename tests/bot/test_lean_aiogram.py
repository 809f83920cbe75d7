"""aiogram imported through ``bot`` builds its types' schemas when they are first used (those
every update needs at start-up), and every one of them still builds and validates as it does
when built at import."""

from __future__ import annotations

import json
import subprocess
import sys

# Runs in a process of its own: the test process imported aiogram long ago.
PROBE = """
import json
import pydantic
import bot
import bot.lean_aiogram
import aiogram
from aiogram import methods, types

deferred_at_import = not types.Message.__pydantic_complete__
bot.lean_aiogram.build_what_every_update_needs()
built_at_start_up = [
    model.__name__
    for model in (types.Update, types.Message, methods.AnswerCallbackQuery, methods.EditMessageText)
    if model.__pydantic_complete__
]
update = types.Update.model_validate({
    "update_id": 7,
    "callback_query": {
        "id": "1", "chat_instance": "c", "data": "lead:open:5",
        "from": {"id": 42, "is_bot": False, "first_name": "Олена"},
        "message": {
            "message_id": 3, "date": 0, "chat": {"id": 42, "type": "private"},
            "text": "<b>Lead</b>", "entities": [{"type": "bold", "offset": 0, "length": 4}],
            "reply_markup": {"inline_keyboard": [[{"text": "Won", "callback_data": "w"}]]},
        },
    },
})
sent = methods.SendMessage(
    chat_id=42, text="hi",
    reply_markup={"inline_keyboard": [[{"text": "Open", "callback_data": "o"}]]},
)
unbuildable = [
    name
    for module in (types, methods)
    for name in module.__all__
    if isinstance(model := getattr(module, name), type)
    and issubclass(model, pydantic.BaseModel)
    and model.model_rebuild(force=True) is not True
]
print(json.dumps({
    "deferred_at_import": deferred_at_import,
    "built_at_start_up": built_at_start_up,
    "pressed_by": update.callback_query.from_user.first_name,
    "pressed_on": update.callback_query.message.reply_markup.inline_keyboard[0][0].text,
    "keyboard": type(sent.reply_markup).__name__,
    "unbuildable": unbuildable,
}))
"""


def test_aiogram_models_are_built_on_first_use_and_all_still_build() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    seen = json.loads(probe.stdout.strip().splitlines()[-1])

    assert seen == {
        "deferred_at_import": True,
        "built_at_start_up": ["Update", "Message", "AnswerCallbackQuery", "EditMessageText"],
        "pressed_by": "Олена",
        "pressed_on": "Won",
        "keyboard": "InlineKeyboardMarkup",
        "unbuildable": [],
    }
