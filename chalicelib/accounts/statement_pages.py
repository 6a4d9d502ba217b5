"""The privacy statement and the accessibility statement (toegankelijkheidsverklaring): public
pages, linked from every page's footer. The privacy statement reads the retention settings and
lifetimes it names from the code that applies them, so it cannot say something else than what
happens."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..measurement import client_reminders
from ..platform import config
from ..platform.rendering import PublicationSite
from ..questionnaire.privacy import minimum_valid_answers
from . import faq, pending_input, retention


def _inactive_rule() -> str | None:
    setting = config.env("RETENTION_INACTIVE", "cycle").strip().lower()
    if setting == "off":
        return None
    if setting == "cycle":
        return ("als u een volledige aanleverperiode (een heel jaar) niets in de "
                "Aanlevermodule heeft gedaan")
    return f"als u {int(setting)} dagen niets in de Aanlevermodule heeft gedaan"


# Where the data lives, in words (the Lambda's region; deployments outside the EU are named so).
REGIONS = {"eu-central-1": "Frankfurt (Europese Unie)", "eu-west-1": "Ierland (Europese Unie)",
           "eu-west-3": "Parijs (Europese Unie)", "eu-north-1": "Stockholm (Europese Unie)",
           "eu-south-1": "Milaan (Europese Unie)", "eu-central-2": "Zürich (buiten de EU)",
           "eu-west-2": "Londen (buiten de EU)"}


def _region() -> str:
    code = config.env("AWS_REGION") or config.env("AWS_DEFAULT_REGION") or "eu-central-1"
    return REGIONS.get(code, code)


def privacy(request: Request) -> Response:
    return web.page(request, "privacy.html", title="Privacyverklaring",
                    controller=config.privacy_controller(),
                    unattached_days=retention.unattached_days(),
                    inactive_rule=_inactive_rule(),
                    retention_nightly=config.retention_schedule() == "apply",
                    session_hours=config.session_max_age_seconds() // 3600,
                    kept_input_days=pending_input.KEEP_FOR.days,
                    kept_input_pages=pending_input.NAMED_PER_BROWSER,
                    rate_limit_hours=max(1, 2 * config.rate_limit_window_seconds() // 3600),
                    reminder_days=client_reminders.days_after(),
                    region=_region())


def accessibility(request: Request) -> Response:
    return web.page(request, "accessibility.html", title="Toegankelijkheidsverklaring",
                    controller=config.privacy_controller())


def questions(request: Request) -> Response:
    """Veelgestelde vragen, from accounts/data/faq.json with this stage's settings."""
    sender_name, sender_address = faq.sender()
    content = faq.load({"sender_name": sender_name, "sender_address": sender_address,
                        "helpdesk_email": config.helpdesk_email(),
                        "helpdesk_phone": config.helpdesk_phone(),
                        "site": PublicationSite().phrase,
                        "privacy_minimum": str(minimum_valid_answers())})
    return web.page(request, "faq.html", title=content.title, faq=content)
