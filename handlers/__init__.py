"""aiogram routers, one per feature; keyboards and their CallbackData classes beside them."""
