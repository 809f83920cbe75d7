from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, str_enum
from crm.models.enums import StageKind


class Pipeline(Base):
    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # The default pipeline's code: its name is then read from locales/ in each reader's language.
    code: Mapped[str | None] = mapped_column(String(32))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    stages: Mapped[list[Stage]] = relationship(
        back_populates="pipeline", order_by="Stage.position", lazy="selectin"
    )


class Stage(Base):
    __tablename__ = "stages"
    __table_args__ = (
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability_percent"),
        CheckConstraint("idle_days IS NULL OR idle_days > 0", name="idle_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # Set for the default stages (new, qualified, ...) until an admin renames them: a stage
    # with a code is named in each reader's language, one without as the admin typed it.
    code: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[StageKind] = mapped_column(str_enum(StageKind), default=StageKind.OPEN)
    probability: Mapped[int] = mapped_column(Integer, default=0)
    idle_days: Mapped[int | None] = mapped_column(Integer)

    pipeline: Mapped[Pipeline] = relationship(back_populates="stages", lazy="raise")


class CacheVersion(Base):
    """A counter the database bumps (by triggers) on every change to what a process caches:
    a process compares it with the version of its cache to know whether the cache still
    holds. ``stages`` counts changes to pipelines and stages, by anyone, anywhere."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
