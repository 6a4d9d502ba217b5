"""The mails that carry a personal link, or say that a registration waits for the helpdesk."""
from __future__ import annotations

from ..platform import config, mail
from ..platform.models import Registrant
from ..platform.municipalities import municipalities


def _names(codes: set[str] | None) -> list[str]:
    known = municipalities(config.municipality_year())
    return sorted(known[code].name for code in (codes or ()) if code in known)


def mail_link(registrant: Registrant, token: str) -> None:
    mail.send(
        registrant.email,
        subject=f"Uw persoonlijke link voor de Aanlevermodule CEO ({registrant.personal_code})",
        template="personal_link",
        context={
            "name": registrant.name,
            "link": f"{config.base_url()}/link/{token}",
            "personal_code": registrant.personal_code,
            "municipalities": _names(registrant.municipalities),
            "expires_at": registrant.link_expires_at,
            "new_link_url": f"{config.base_url()}/nieuwe-link",
            "questionnaire_url": f"{config.base_url()}/vragenlijst",
            "faq_url": f"{config.base_url()}/veelgestelde-vragen",
        },
    )


def mail_held(registrant: Registrant) -> None:
    mail.send(registrant.email, subject="Uw aanmelding voor de Aanlevermodule CEO wordt "
              "gecontroleerd", template="registration_held",
              context={"name": registrant.name, "personal_code": registrant.personal_code,
                       "municipalities": _names(registrant.held_municipalities)})
