"""E-mail addresses masked in every log line, tracebacks included.

Parameters are already kept out of SQL errors (``hide_parameters``), but a
database's own message can quote the value (PostgreSQL: ``Key (email)=(…)
already exists``), and a URL or a provider's answer can carry one too. The
log record factory masks them when a record is made, so every handler —
console, file, a test's capture — sees ``d***@example.com``.
"""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
_formatter = logging.Formatter()


def mask_emails(text: str) -> str:
    """``driver@example.com`` → ``d***@example.com`` wherever it appears in ``text``."""
    return _EMAIL.sub(r"\1***@\2", text)


def install_log_masking() -> None:
    """Make every log record mask e-mail addresses in its message and traceback (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_emails", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record  # a malformed call: let logging report it as usual
        record.msg, record.args = mask_emails(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = mask_emails(_formatter.formatException(record.exc_info))
        return record

    factory.masks_emails = True
    logging.setLogRecordFactory(factory)
