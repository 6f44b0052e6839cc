"""A logging filter that redacts personal data in every log record.

Rasa logs the resident's raw text in error events (for example
`rest.message.received.failure text=...`) and in debug lines. The channels
redact a message before Rasa sees it, but text can still arrive another way
(the HTTP API, a staff message, an exception text). This filter is the last
line: it rewrites the message and its arguments of every record that passes
a handler, so nothing personal reaches a log file.

Python `warnings` (Rasa warns with the raw text of a payload it cannot parse)
are routed through logging (`logging.captureWarnings`), so they pass the filter
too. The filter fails closed: when redaction itself fails, the line is dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from socialmap.privacy import redact


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(v) for v in value)
    return value


class RedactingFilter(logging.Filter):
    """Replace personal data in the record's message, arguments and structlog event dict."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.msg, str):
                record.msg = redact(record.msg).text
            elif isinstance(record.msg, dict):  # structlog's stdlib integration passes the event dict
                record.msg = _redact_value(record.msg)
            if record.args:
                record.args = _redact_value(record.args)
            if record.exc_info and not record.exc_text:
                # Exception texts can quote the message; format once, redacted, and let
                # the formatter reuse this cached text.
                record.exc_text = redact(_FORMATTER.formatException(record.exc_info)).text
        except Exception:  # fail closed: a line we could not redact is not written
            self.dropped += 1
            return False
        return True

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self.dropped = 0


_installed = False


def install(logger_names: tuple[str, ...] = ("",)) -> RedactingFilter:
    """Return the filter after attaching it to every handler of the root logger (once).

    Filters on a logger do not apply to records of its children, but filters on
    a handler see every record that handler writes, so the filter goes on the
    handlers. Handlers added later (Rasa configures logging after importing the
    channels) are covered by also patching `logging.Handler.handle` once.
    """
    global _installed
    flt = _FILTER
    # warnings.warn(...) becomes a record of the "py.warnings" logger, which passes this filter.
    logging.captureWarnings(True)
    for name in logger_names:
        for handler in logging.getLogger(name).handlers:
            if flt not in handler.filters:
                handler.addFilter(flt)
    if not _installed:
        original = logging.Handler.handle

        def handle(self: logging.Handler, record: logging.LogRecord) -> Any:
            if not flt.filter(record):
                return False
            return original(self, record)

        logging.Handler.handle = handle  # type: ignore[method-assign]
        _installed = True
    return flt


_FILTER = RedactingFilter()
_FORMATTER = logging.Formatter()
