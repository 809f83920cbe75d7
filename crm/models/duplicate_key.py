from __future__ import annotations

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base

HELD_TWICE = text("holders > 1")


class DuplicateKey(Base):
    """A phone, e-mail or name key of leads or customers, and how many of them hold it.

    The few values held twice or more (their own partial index) are where the duplicate
    pairs are, so listing the pairs reads those and the rows holding them, never every lead.
    Triggers (crm.duplicate_keys) count each insert, change and removal of a holder, bulk
    loads and imports included; no service writes here."""

    __tablename__ = "duplicate_keys"
    __table_args__ = (
        Index(
            "ix_duplicate_keys_held_twice",
            "kind",
            "value",
            sqlite_where=HELD_TWICE,
            postgresql_where=HELD_TWICE,
        ),
        {"sqlite_with_rowid": False},
    )

    # What the value is and whose: "lead:phone", "customer:email", "customer:name"...
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(254), primary_key=True)
    holders: Mapped[int] = mapped_column(Integer)
