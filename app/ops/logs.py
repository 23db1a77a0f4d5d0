"""JSON-lines logging on stdout, with secrets redacted from every record.

One handler on the root logger writes one JSON object per line: ``ts``,
``level``, ``logger``, ``message``, the request id when logged during a
request, and any ``extra`` fields. A :class:`RedactingFilter` on the
handler scrubs the message, its arguments, the extra fields and the
exception text (:mod:`app.ops.redact`), so no module can leak a token by
logging it, whatever logger it uses.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC
from datetime import datetime
from typing import Any

from app.ops.redact import Redactor
from app.ops.redact import config_secrets

#: Attributes every LogRecord has; anything else came from ``extra=``.
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _request_id() -> str | None:
    try:
        from flask import g
        from flask import has_request_context
    except ImportError:  # pragma: no cover - flask is a dependency
        return None
    if not has_request_context():
        return None
    return g.get("request_id")


class RedactingFilter(logging.Filter):
    """Scrub secrets out of a record, in place, before any handler formats it."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redactor.text(message)
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _RECORD_ATTRS:
                setattr(record, key, self.redactor.value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.text(record.exc_text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redactor.text(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id()
        if request_id and "request_id" not in vars(record):
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


class StdoutHandler(logging.StreamHandler):
    """A stream handler that looks ``sys.stdout`` up at each write (test capture, reopen)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def make_handler(redactor: Redactor, handler: logging.Handler | None = None) -> logging.Handler:
    """A handler writing redacted JSON lines (stdout unless ``handler`` is given)."""
    handler = handler or StdoutHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter(redactor))
    handler._glpiscim = True  # type: ignore[attr-defined]
    return handler


def setup_logging(settings: dict) -> Redactor:
    """Install the JSON stdout handler on the root logger (replacing ours, if any).

    :returns: the redactor built from the configuration's secrets, for other sinks.
    """
    redactor = Redactor(config_secrets(settings))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_glpiscim", False)]:
        root.removeHandler(old)
    root.addHandler(make_handler(redactor))
    root.setLevel(settings["logging"]["level"])
    return redactor


def configured_redacting_filter() -> RedactingFilter:
    """A redacting filter knowing the configured secrets (for gunicorn's ``logconfig_dict``)."""
    from app.config import load_config

    return RedactingFilter(Redactor(config_secrets(load_config())))
