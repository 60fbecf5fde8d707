"""Accounts: registration, login checks, profile, password and deletion."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from webapp.accounts.models import ROLE_ADMIN, ROLE_DRIVER, User, new_session_epoch
from webapp.bookings.models import Booking
from webapp.core.errors import NotFoundError, ValidationError
from webapp.extensions import db

MIN_PASSWORD_LENGTH = 10
SUPPORTED_LANGUAGES = ("en", "fi", "sv", "ko")

_hasher = PasswordHasher()  # Argon2id with the library's current parameters
# verifying against this keeps unknown-email logins as slow as wrong passwords
_DUMMY_HASH = _hasher.hash("timing-equaliser-password")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_new_password(password: str, confirmation: str | None = None, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError({field: str(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))})
    if confirmation is not None and password != confirmation:
        raise ValidationError({"confirm": str(_l("The two passwords do not match."))})


def find_user_by_email(email: str) -> User | None:
    """Return the user with this email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def register_user(email: str, password: str, confirmation: str, name: str = "", language: str | None = None,
                  role: str = ROLE_DRIVER) -> User:
    """Create an account and return it (committed).

    Raises:
        ValidationError: taken email, short password or mismatched confirmation.
    """
    email = normalise_email(email)
    _check_new_password(password, confirmation)
    if find_user_by_email(email) is not None:
        raise ValidationError({"email": str(_l("An account with this email already exists. Log in instead."))})
    user = User(email=email, password_hash=_hasher.hash(password), name=(name or "").strip(),
                language=language if language in SUPPORTED_LANGUAGES else None, role=role)
    db.session.add(user)
    db.session.commit()
    return user


def sign_up(email: str, password: str, confirmation: str, name: str = "", language: str | None = None) -> User | None:
    """Self-service registration that never tells whether an e-mail already has an account.

    Returns:
        The new account (committed), or None when the e-mail is taken — after
        the same password hashing, so the answer and its timing look alike.

    Raises:
        ValidationError: short password or mismatched confirmation (about the
            form only, never about the address).
    """
    _check_new_password(password, confirmation)
    if find_user_by_email(email) is not None:
        _hasher.hash(password)  # the cost a new account pays, so timing tells nothing either
        return None
    try:
        return register_user(email, password, confirmation, name=name, language=language)
    except ValidationError:
        return None  # registered by a simultaneous request in between: taken, as above


def authenticate(email: str, password: str) -> User | None:
    """Return the user if the password is right, else None (same cost either way)."""
    user = find_user_by_email(email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        db.session.commit()
    return user


def load_user(session_id: str) -> User | None:
    """Load the user for a Flask-Login id ``"<id>:<epoch>"``; None if stale."""
    user_id, _, epoch = (session_id or "").partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_epoch != int(epoch):
        return None
    return user


def update_profile(user_id: int, name: str, phone: str, language: str | None) -> User:
    """Change name, phone and preferred language (committed)."""
    user = _get(user_id)
    phone = " ".join((phone or "").split())
    if phone and not all(c.isdigit() or c in "+ -()" for c in phone):
        raise ValidationError({"phone": str(_l("Use digits, spaces and an optional leading +."))})
    user.name = (name or "").strip()
    user.phone = phone
    user.language = language if language in SUPPORTED_LANGUAGES else None
    db.session.commit()
    return user


def change_password(user_id: int, current: str, new: str, confirmation: str) -> User:
    """Replace the password; other sessions of this user are logged out.

    Raises:
        ValidationError: wrong current password, weak or mismatched new one.
    """
    user = _get(user_id)
    try:
        _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise ValidationError({"current_password": str(_l("Your current password is not right."))}) from None
    _check_new_password(new, confirmation, field="new_password")
    user.password_hash = _hasher.hash(new)
    user.session_epoch = new_session_epoch()
    db.session.commit()
    return user


def end_sessions(user_id: int) -> None:
    """End every session of the user: all cookies issued so far, copies included, stop working (committed)."""
    user = db.session.get(User, user_id)
    if user is not None:
        user.session_epoch = new_session_epoch()
        db.session.commit()


def delete_account(user_id: int, password: str) -> None:
    """Erase the person: account, vehicles and contact data on bookings.

    Bookings stay (the provider still has them and the books must balance),
    detached from the person, with email and phone removed.

    Raises:
        ValidationError: the password given to confirm is wrong.
    """
    user = _get(user_id)
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationError({"password": str(_l("Your password is not right."))}) from None
    db.session.execute(
        update(Booking).where(Booking.user_id == user.id)
        .values(user_id=None, contact_email=None, contact_phone=None)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(user)
    db.session.commit()


def create_admin(email: str, password: str) -> User:
    """Create an admin account, or promote an existing one (used by the CLI)."""
    existing = find_user_by_email(email)
    if existing is not None:
        existing.role = ROLE_ADMIN
        db.session.commit()
        return existing
    return register_user(email, password, password, role=ROLE_ADMIN)


def _get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError("no such user")
    return user


def set_language(user_id: int, language: str) -> None:
    """Save the preferred language chosen with the language switcher."""
    user = _get(user_id)
    user.language = language if language in SUPPORTED_LANGUAGES else None
    db.session.commit()
