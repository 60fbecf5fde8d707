"""Accounts: registration, login checks, profile, password and deletion."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update

from webapp.accounts import notices
from webapp.accounts.models import ROLE_ADMIN, ROLE_DRIVER, User, new_session_epoch
from webapp.bookings.models import Booking
from webapp.core.errors import NotFoundError, ValidationError
from webapp.core.jobs import app_task
from webapp.extensions import db

MIN_PASSWORD_LENGTH = 10
SUPPORTED_LANGUAGES = ("en", "fi", "sv", "ko")

#: Argon2id hashers by their parameters, each with a hash of a throw-away password: verifying against it
#: keeps unknown-email logins as slow as wrong passwords
_HASHERS: dict[tuple, tuple[PasswordHasher, str]] = {}


def _hashing() -> tuple[PasswordHasher, str]:
    """The hasher for ``PASSWORD_HASH_PARAMETERS`` (None: the library's current defaults) and its dummy hash.

    Only the testing configuration lowers the cost; a hash made with other parameters than the
    current ones is re-hashed at the next login (``authenticate``).
    """
    parameters = current_app.config.get("PASSWORD_HASH_PARAMETERS") if has_app_context() else None
    key = tuple(sorted((parameters or {}).items()))
    if key not in _HASHERS:
        hasher = PasswordHasher(**dict(key))
        _HASHERS[key] = (hasher, hasher.hash("timing-equaliser-password"))
    return _HASHERS[key]


def _hasher() -> PasswordHasher:
    return _hashing()[0]


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
    user = User(email=email, password_hash=_hasher().hash(password), name=(name or "").strip(),
                language=language if language in SUPPORTED_LANGUAGES else None, role=role)
    db.session.add(user)
    db.session.commit()
    return user


def sign_up(email: str, password: str, confirmation: str, name: str = "", language: str | None = None,
            links: Mapping[str, str] | None = None) -> User | None:
    """Self-service registration that never tells whether an e-mail already has an account.

    The e-mail says it instead: a welcome for a new account, and for a taken
    address a note to its owner with the login and password-reset links.

    Args:
        links: ``login_url`` and ``forgot_url`` for the mail (absolute URLs).

    Returns:
        The new account (committed), or None when the e-mail is taken — after
        the same password hashing, so the answer and its timing look alike.

    Raises:
        ValidationError: short password or mismatched confirmation (about the
            form only, never about the address).
    """
    _check_new_password(password, confirmation)
    links = dict(links or {})
    user = None
    if find_user_by_email(email) is None:
        try:
            user = register_user(email, password, confirmation, name=name, language=language)
        except ValidationError:
            user = None  # registered by a simultaneous request in between: taken, as below
    else:
        _hasher().hash(password)  # the cost a new account pays, so timing tells nothing either
    address = normalise_email(email)
    if user is not None:
        notices.send(address, str(_l("Your ParkGo account is ready")), "auth/mail/welcome.txt", email=address,
                     **links)
    else:
        notices.send(address, str(_l("About your ParkGo account")), "auth/mail/address_taken.txt", email=address,
                     **links)
    return user


def _reset_serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    return URLSafeTimedSerializer([*(config.get("SECRET_KEY_FALLBACKS") or ()), config["SECRET_KEY"]],
                                  salt="password-reset")


def _password_fingerprint(user: User) -> str:
    # part of the token: a new password changes it, so a reset link works once
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]


def request_password_reset(email: str) -> None:
    """Queue a one-time reset link for this e-mail (``send_password_reset``); the page says the same either way.

    The request does the same work whether or not an account has the address: it queues one job. The
    look-up and the mail are the job's (a mail sent inside the request only for a known address made
    its answer measurably slower, which told whether the account exists).
    """
    send_password_reset(normalise_email(email))


@app_task()
def send_password_reset(email: str) -> None:
    """Mail a one-time reset link when an account has ``email``; nothing otherwise (a job).

    The link is on ``PUBLIC_BASE_URL``, never a request's Host header: that is the sender's to
    choose, and a forged one would mail the owner a link (and its token) to someone else's site.
    """
    user = find_user_by_email(email)
    if user is None:
        return
    token = _reset_serializer().dumps([user.id, _password_fingerprint(user)])
    notices.send(user.email, str(_l("Choose a new ParkGo password")), "auth/mail/password_reset.txt",
                 email=user.email, reset_url=notices.public_url("auth.reset_password", token=token))


def _user_for_reset(token: str) -> User:
    expired = ValidationError({"new_password": str(_l("This link has expired or was used already. "
                                                      "Ask for a new one."))})
    try:
        user_id, fingerprint = _reset_serializer().loads(token or "",
                                                         max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (BadSignature, ValueError, TypeError):
        raise expired from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or fingerprint != _password_fingerprint(user):
        raise expired
    return user


def check_reset_token(token: str) -> None:
    """Whether a reset link still works (the form is shown only then).

    Raises:
        ValidationError: expired, used, or not ours.
    """
    _user_for_reset(token)


def reset_password(token: str, new: str, confirmation: str) -> User:
    """Set a new password from a reset link; every session of the account ends (committed).

    Raises:
        ValidationError: expired or used link, weak or mismatched password.
    """
    user = _user_for_reset(token)
    _check_new_password(new, confirmation, field="new_password")
    user.password_hash = _hasher().hash(new)
    user.session_epoch = new_session_epoch()
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user if the password is right, else None (same cost either way)."""
    user = find_user_by_email(email)
    hasher, dummy_hash = _hashing()
    try:
        hasher.verify(user.password_hash if user else dummy_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
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
        _hasher().verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise ValidationError({"current_password": str(_l("Your current password is not right."))}) from None
    _check_new_password(new, confirmation, field="new_password")
    user.password_hash = _hasher().hash(new)
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
        _hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationError({"password": str(_l("Your password is not right."))}) from None
    db.session.execute(
        update(Booking).where(Booking.user_id == user.id)
        # the search copies of the contact go too (bookings.models keeps them only on ORM writes)
        .values(user_id=None, contact_email=None, contact_phone=None, email_lower=None, phone_tail=None)
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
