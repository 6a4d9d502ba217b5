"""The one Jinja2 environment for pages and e-mails; templates live in the top-level templates/
(shipped inside the Lambda package through the vendor/templates link). What every template may
use (the helpdesk's contact details, Dutch formatting) is in the environment's globals and
filters; the web layer adds its own globals (url, asset_url) once."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import config, formatting

if TYPE_CHECKING:
    import jinja2

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


class HelpdeskContact:
    """Read when rendered: Chalice applies a stage's variables only while a request runs."""

    @property
    def email(self) -> str:
        return config.helpdesk_email()

    @property
    def phone(self) -> str:
        return config.helpdesk_phone()


class MailSender:
    """Who the mails come from (MAIL_SENDER): what to look for in the spam folder."""

    @property
    def name(self) -> str:
        from email.utils import parseaddr

        name, address = parseaddr(config.mail_sender())
        return name or address

    @property
    def address(self) -> str:
        from email.utils import parseaddr

        return parseaddr(config.mail_sender())[1]


class PublicationSite:
    """"de publicatiesite", with its name where the stage has one (PUBLICATION_SITE_NAME)."""

    @property
    def phrase(self) -> str:
        name = config.publication_site_name()
        return f"de publicatiesite {name}" if name else "de publicatiesite"

    @property
    def Phrase(self) -> str:  # at the start of a sentence
        return "D" + self.phrase[1:]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    import jinja2  # when first rendered, not at cold start

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(formatting.FILTERS)
    env.globals["helpdesk"] = HelpdeskContact()
    env.globals["publication_site"] = PublicationSite()
    env.globals["mail_sender"] = MailSender()
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
