"""SMS transports: where a notification's text message goes. The deployment names one in
``COMMAND_SMS_TRANSPORT`` (a dotted path to a class with ``send``); tests put their own in.

The default, :class:`LogTransport`, sends nothing over any network: it writes one log line
that holds no number and no text (personal identifiers never reach a log line)."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsTransport(Protocol):
    """Sends one text message to one mobile number; raises on failure."""

    def send(self, *, number: str, text: str) -> None: ...


class LogTransport:
    """Logs that a message would be sent (its length only) and sends nothing."""

    def send(self, *, number: str, text: str) -> None:
        logger.info("sms notification handed to the log transport (%d characters)", len(text))


def sms_transport() -> SmsTransport:
    """The transport ``COMMAND_SMS_TRANSPORT`` names, made anew for each delivery (so a
    setting changed by a test or an operator takes effect at once)."""
    transport: SmsTransport = import_string(settings.COMMAND_SMS_TRANSPORT)()
    return transport
