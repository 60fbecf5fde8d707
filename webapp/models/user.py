"""Accounts: drivers and admins."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

ROLE_DRIVER = "driver"
ROLE_ADMIN = "admin"


class User(UserMixin, db.Model):
    """A person with an account. Email is stored lower-cased and unique."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    language: Mapped[str | None] = mapped_column(String(5))
    role: Mapped[str] = mapped_column(String(16), default=ROLE_DRIVER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # bumped on password change so other sessions' remember-me cookies stop working
    session_epoch: Mapped[int] = mapped_column(default=0)

    vehicles = relationship("Vehicle", back_populates="owner", cascade="all, delete-orphan",
                            order_by="Vehicle.id")

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    def get_id(self) -> str:
        # the epoch makes cookies issued before a password change invalid
        return f"{self.id}:{self.session_epoch}"
