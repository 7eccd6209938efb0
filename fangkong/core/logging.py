"""A log filter that keeps identity numbers, phones and line breaks out of log lines."""

from __future__ import annotations

import logging
import re

_ID_NUMBER = re.compile(
    r"(?<!\d)\d{6}(?:18|19|20)\d{2}[01]\d[0-3]\d{4}[\dXx](?!\d)|(?<!\d)\d{15}(?!\d)"
)
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def scrub(text: str) -> str:
    """Mask resident-ID-like and mobile-like numbers; fold CR/LF so one event stays one line."""
    text = _ID_NUMBER.sub("[id]", text)
    text = _PHONE.sub("[phone]", text)
    return text.replace("\r", "\\r").replace("\n", "\\n")


class ScrubFilter(logging.Filter):
    """Applied to every handler: formats the message once, scrubbed, and drops the args."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        first, sep, rest = message.partition("\nTraceback")
        record.msg = scrub(first) + (sep + rest if sep else "")
        record.args = None
        return True
