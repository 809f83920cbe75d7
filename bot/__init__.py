"""The composition root: settings, the bot and dispatcher factories, middlewares and the CLI."""
