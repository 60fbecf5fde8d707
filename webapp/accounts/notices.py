"""Account e-mails: welcome, an attempt to register a taken address, a password reset link.

Sent through Flask-Mailman: SMTP to ``MAIL_SERVER`` (the local catcher of
``make run``, or production's server), the in-memory outbox in tests. A mail
that cannot be sent is logged (address masked) and never fails the request:
the page a visitor sees must not depend on whether an address exists or the
mail server is up.
"""

from __future__ import annotations

import logging
import smtplib

from flask import current_app, url_for
from flask_mailman import EmailMessage

log = logging.getLogger(__name__)


def mask_email(email: str) -> str:
    """``d***@example.com``: enough to tell two log lines apart, not to read the address."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def public_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, on ``PUBLIC_BASE_URL`` (e.g. ``https://parkgo.example/bookings/HS-…``).

    Jobs have no request to take a host from, and a request's own Host header
    is the client's to choose: a link a driver gets by mail is built on the
    configured address only, with the app's URL rules (and their defaults).
    """
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def send(to: str, subject: str, template: str, **context) -> bool:
    """Send one plain-text mail rendered from ``template``; False (and a warning) if it could not go."""
    # the template alone, without the pages' context processors: a job has no request or user to give them
    body = current_app.jinja_env.get_template(template).render(**context)
    try:
        EmailMessage(subject, body, to=[to]).send()
    except (OSError, smtplib.SMTPException):
        log.warning("mail %r to %s could not be sent", template, mask_email(to), exc_info=True)
        return False
    return True
