"""Everything the Lambdas import: one package per domain, plus `web/` (HTTP plumbing) and
`platform/` (what every domain stands on).

The house has floors, listed in LAYERS from the bottom up. A module imports from its own floor
and the floors below it, never from a floor above (imports inside functions count too), and no
modules import each other in a circle, directly or the long way round. A domain's HTTP side —
its pages, its access check and page frame, its routes — sits on one floor above every package
(HTTP_FLOOR), so a page may compose any domain; a page never imports another package's pages.
`app.py`, on top, registers each package's routes and the event handlers.
tests/test_layout.py holds the code to this order, and the README's layout table to it too.
"""

LAYERS: tuple[tuple[str, str], ...] = (
    ("platform", "config, models, mail, the audit trail (written), rate limits, jobs, logs"),
    ("web", "HTTP plumbing: forms, CSRF, cookies, responses, Dutch errors, assets"),
    ("accounts", "people, registration, personal links, sign-ins, memberships, kept input"),
    ("questionnaire", "definitions as data, drafts, the journey, the privacy rule"),
    ("measurement", "clients' answers: measurements, inviters, invitations, anonymous responses"),
    ("delivery", "sending, history, receipts, four-eyes, withdrawals"),
    ("publication", "the feed: forwarding, targets, replay, the reconciler"),
    ("helpdesk", "the helpdesk's actions, what it reads, season overview, reminders"),
    ("cli", "the operator's command line"),
    ("start", "the start page, which composes several domains"),
)

# Module names that put a module on the HTTP floor: `pages.py` and `<topic>_pages.py`, the
# access check and page frame of a domain (`access.py`), its routes (`routes.py`, a blueprint).
HTTP_FLOOR = "HTTP (pages, access, routes)"


def is_http_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last in ("pages", "access", "routes") or last.endswith("_pages")


def is_page_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "pages" or last.endswith("_pages")


def floor_of(module: str) -> int:
    """0 for platform … len(LAYERS) for the HTTP floor; `app` above everything."""
    parts = module.split(".")
    if parts[0] != "chalicelib":
        return len(LAYERS) + 1
    if len(parts) > 2 and parts[1] not in ("platform", "web") and is_http_module(module):
        return len(LAYERS)
    names = [name for name, _ in LAYERS]
    return names.index(parts[1]) if len(parts) > 1 and parts[1] in names else -1


def floor_name(floor: int) -> str:
    if floor == len(LAYERS):
        return HTTP_FLOOR
    if floor > len(LAYERS):
        return "app.py"
    return LAYERS[floor][0] if floor >= 0 else "no floor"
