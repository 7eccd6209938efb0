"""Keeping identity numbers, phones and line breaks out of every log line.

Identifiers should never reach a log in the first place (searches by identifier are POST
bodies, never query strings); this is the defence in depth behind that rule. Every handler the
project configures carries :class:`ScrubFilter` — the console handler of the root logger, the
``django``, ``django.server`` and ``django.request`` loggers (``config.settings.base``) — and
``fangkong serve`` runs gunicorn with :class:`GunicornLogger`, whose error and access logs are
scrubbed the same way, request line and referrer included.

What is masked (:func:`scrub`), including forms typed with spaces, dashes or URL-encoded
separators (``%20``, ``+``), and percent-encoded ``+86``:

* resident identity numbers: 18 characters (17 digits and a digit or ``X``) and the 15-digit
  legacy numbers → ``[id]``;
* mainland mobile numbers: 11 digits from ``13`` to ``19``, with or without ``+86``/``0086``
  → ``[phone]``.

Anything else of eleven or more digits is left alone (ids, byte counts, timestamps).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as _GunicornBase

#: A run of digits (possibly ending in ``X``) with the separators people and URLs put in
#: numbers: a space, ``-``, ``+`` (a URL-encoded space), ``%20``; optionally a ``+``/``%2B``
#: country prefix. Letters and other digits on either side mean it is part of something else.
_RUN = re.compile(
    r"(?<![0-9A-Za-z])(?:\+|%2[Bb])?\d(?:(?:[ \-+]|%20)?\d){9,}(?:(?:[ \-+]|%20)?[Xx])?"
    r"(?![0-9A-Za-z])"
)
_SEPARATORS = re.compile(r"%20|%2[Bb]|[ \-+]")
_PHONE = re.compile(r"(?:0086|86)?1[3-9]\d{9}")
_ID18 = re.compile(r"\d{17}[\dXx]")
_ID15 = re.compile(r"\d{15}")


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    compact = _SEPARATORS.sub("", text)
    if _ID18.fullmatch(compact) or _ID15.fullmatch(compact):
        return "[id]"
    if _PHONE.fullmatch(compact):
        return "[phone]"
    return text


def scrub(text: str) -> str:
    """Mask resident-ID-like and mobile-like numbers; fold CR/LF so one event stays one line."""
    text = _RUN.sub(_mask, text)
    return text.replace("\r", "\\r").replace("\n", "\\n")


class ScrubFilter(logging.Filter):
    """Applied to every handler: formats the message once, scrubbed, and drops the args.

    A traceback appended to the message keeps its line breaks but is scrubbed too (an
    exception's text can quote the value that caused it); ``exc_info`` is formatted here,
    scrubbed, and kept as ``exc_text`` so no handler formats it again from the raw exception.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        first, sep, rest = message.partition("\nTraceback")
        record.msg = scrub(first) + (sep + _scrub_lines(rest) if sep else "")
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _scrub_lines(record.exc_text)
        if record.stack_info:
            record.stack_info = _scrub_lines(record.stack_info)
        return True


def _scrub_lines(text: str) -> str:
    """:func:`scrub` line by line, keeping the line breaks (tracebacks)."""
    return "\n".join(scrub(line) for line in text.split("\n"))


class GunicornLogger(_GunicornBase):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's logger with :class:`ScrubFilter` on the error and access handlers it makes
    (``fangkong serve`` passes it as ``logger_class``): the access log's request line carries
    the query string and the referrer, so an identifier typed into a URL stops here."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, ScrubFilter) for f in handler.filters):
                    handler.addFilter(ScrubFilter())
