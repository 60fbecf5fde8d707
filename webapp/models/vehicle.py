"""A driver's vehicles (plates)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class Vehicle(db.Model):
    """A plate registered in one country, owned by one user."""

    __tablename__ = "vehicles"
    __table_args__ = (UniqueConstraint("user_id", "country", "plate", name="uq_vehicles_owner_plate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    plate: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    nickname: Mapped[str] = mapped_column(String(40), default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner = relationship("User", back_populates="vehicles")

    @property
    def label(self) -> str:
        return f"{self.nickname} ({self.plate})" if self.nickname else self.plate
