"""The HTTP side of the CRM (aiohttp): lead intake from web forms, shops and WhatsApp, health
and readiness checks and Prometheus metrics. ``bot`` composes it with the Telegram webhook."""
