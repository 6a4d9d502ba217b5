"""The structured JSON logger. Log ids and e-mail domains, never tokens, addresses or answers.

Chalice logs unhandled errors with the request path through the same logger name; the filter
below removes personal-link tokens and e-mail addresses from every message as a second guard.
"""
import logging
import re

from aws_lambda_powertools import Logger

_TOKEN = re.compile(r"/(link|a)/[^\s\"'?#]+")
# Dutch mobile numbers (clients' invitations by sms, measurement/): +316…, 00316…, 06…
_MOBILE = re.compile(r"(?:\+31|0031|\b0)[\s-]?6(?:[\s-]?\d){8}\b")
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+\.)+[\w-]+")


def redact(text: str) -> str:
    text = _TOKEN.sub(lambda found: f"/{found[1]}/[token]", text)
    return _MOBILE.sub("[telefoonnummer]", _EMAIL.sub("[e-mailadres]", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


logger = Logger(service="aanlevermodule-ceo")
logger.addFilter(RedactingFilter())
