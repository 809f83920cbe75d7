"""The browser sandbox: the whole product on this computer, with no Telegram account.

One process runs the Bot API emulator, the real bot polling it, the scheduler and the outbox
sender and ``serve``'s web app on one loopback port, over an embedded SQLite file in the
user's data directory; ``static/`` holds the page, a Telegram-like chat that is only a client
of the emulator's control API. Only the CLI starts it (``crm-bot sandbox``, or ``crm-bot run``
without a token).
"""
