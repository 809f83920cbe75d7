"""Settings from the environment and ``.env``, loaded once at start-up."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from crm.webhook_targets import TargetPolicy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///crm.sqlite3"
    bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None
    # How long Redis keeps a person's unfinished input (drafts, search queries: names and phones).
    fsm_ttl_hours: int = Field(default=24, ge=1)
    phone_region: str = "UA"
    default_currency: str = "UAH"
    # ``crm-bot serve``: where Telegram and the web forms reach this server, and the secret
    # Telegram sends with every webhook update.
    public_url: str | None = None
    webhook_secret: SecretStr | None = None
    host: str = "127.0.0.1"
    # 0 picks a free port (the sandbox prints the address it got).
    port: int = Field(default=8080, ge=0, le=65535)
    # Submissions one form or shop key may send a minute before it is answered 429.
    intake_per_minute: int = Field(default=60, ge=1)
    # WhatsApp Cloud API: the token Meta echoes when subscribing, and the app secret it signs
    # deliveries with. Without both the WhatsApp endpoint answers 404.
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    # Meta's Graph API, where reps' WhatsApp replies go out and Lead Ads leads are read.
    graph_api_url: str = "https://graph.facebook.com"
    graph_api_version: str = "v23.0"
    # The business number replies go out from, and the token allowed to send from it.
    # Without both, a rep's reply is refused with a message saying WhatsApp is not set up.
    whatsapp_phone_number_id: str | None = None
    whatsapp_access_token: SecretStr | None = None
    # Facebook Lead Ads: the verify token and app secret of the leadgen webhook, and a page
    # token that may read the leads. Without all three ``/intake/facebook`` answers 404.
    facebook_verify_token: SecretStr | None = None
    facebook_app_secret: SecretStr | None = None
    facebook_access_token: SecretStr | None = None
    # How long intake receipts (what makes a provider's redelivery change nothing) are kept.
    intake_receipts_keep_days: int = Field(default=30, ge=2)
    # How long a sender holds the messages it claimed: a process killed mid-send loses its
    # claim after this, and another process sends what it had in flight.
    outbox_lease_seconds: int = Field(default=60, ge=1)
    # A task still open this long after it was due is escalated to the managers, once.
    overdue_after_hours: int = Field(default=24, ge=1)
    # Outgoing webhooks may go to loopback and private addresses, over plain http too (a
    # receiver on the same machine or network, as in the tests); never set it otherwise.
    webhook_allow_private_targets: bool = False

    @property
    def webhook_targets(self) -> TargetPolicy:
        return TargetPolicy(allow_private=self.webhook_allow_private_targets)

    @property
    def whatsapp_replies(self) -> bool:
        """Whether reps' replies can go out on WhatsApp."""
        return self.whatsapp_phone_number_id is not None and self.whatsapp_access_token is not None

    # The Mini App (the pipeline board): the https address ``crm-bot serve`` is reached at for
    # it (PUBLIC_URL when unset), opened from the menu button, /pipeline and the lead card; and
    # how old the ``initData`` Telegram signs may be before the board asks to be reopened.
    miniapp_url: str | None = None
    miniapp_init_data_max_age_seconds: int = Field(default=3600, ge=60)

    @property
    def board_address(self) -> str | None:
        """The Mini App's https address, if it has one: Telegram opens no other."""
        address = self.miniapp_url or (
            self.public_url.rstrip("/") + "/miniapp/" if self.public_url else None
        )
        return address if address and address.startswith("https://") else None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def split_admin_ids(cls, value: object) -> object:
        """``ADMIN_IDS=1,2`` as well as a JSON list."""
        if isinstance(value, str):
            return [part for part in value.replace(" ", "").split(",") if part]
        return value
