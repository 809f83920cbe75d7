"""The CRM itself: models, schemas, services and errors. Knows nothing of Telegram or HTTP."""
