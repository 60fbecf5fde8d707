"""Accounts: drivers and admins, and their vehicles (plates)."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.clock import utcnow
from webapp.core.columns import UTCDateTime
from webapp.extensions import db

ROLE_DRIVER = "driver"


def new_session_epoch() -> int:
    """A fresh session epoch: random, positive, inside a SQL INTEGER."""
    return secrets.randbelow(2**31 - 2) + 1


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
    # part of every session and remember-me cookie (get_id); drawn anew at logout and password
    # change, so every copy of an earlier cookie stops working. Random rather than counted: SQLite
    # may give a deleted user's id to the next account, whose epoch must not match old cookies.
    session_epoch: Mapped[int] = mapped_column(default=new_session_epoch)

    vehicles = relationship("Vehicle", back_populates="owner", cascade="all, delete-orphan",
                            order_by="Vehicle.id")

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    def get_id(self) -> str:
        # the epoch makes cookies issued before a password change invalid
        return f"{self.id}:{self.session_epoch}"



# the admin's search finds a driver by any part of the name (``lower(name) LIKE '%…%'``): a trigram GIN index
# answers it on PostgreSQL (a scan of 20,000 names was 4.3 ms of every partial search); on SQLite the same
# declaration is a b-tree on lower(name) that the LIKE scans instead of the table (migration 0022)
Index("ix_users_name_search", func.lower(User.name).label("name_lower"), postgresql_using="gin",
      postgresql_ops={"name_lower": "gin_trgm_ops"})


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


class BookingNotice(db.Model):
    """A mail sent to a driver about one booking (confirmed, ending soon).

    The row is committed before the mail goes, and (booking, kind) is unique:
    however many job consumers run, each notice is sent at most once.
    """

    __tablename__ = "booking_notices"
    __table_args__ = (UniqueConstraint("booking_id", "kind", name="uq_booking_notices_booking_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginFormStash(db.Model):
    """A guest's filled-in booking form, kept while they log in (``accounts.form_stash``).

    The fields are sealed (they hold names, e-mails, remarks); ``id`` is the SHA-256 of the
    random token the guest's session holds, so the table alone leads to no session.
    """

    __tablename__ = "login_form_stashes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    endpoint: Mapped[str] = mapped_column(String(80))
    path: Mapped[str] = mapped_column(String(2000))
    sealed_fields: Mapped[str] = mapped_column(Text)
