"""HTTP plumbing shared by every page: form parsing with the CSRF check, cookies (signed or
not), sessions, rendering a page, redirects, static assets, Dutch error pages and security
headers. Pages call these; domain code never sees a request.

The names below are what pages use; the modules say how each works."""
from .errors import HttpError
from .forms import FORM_CONTENT_TYPES, Form, posted, query
from .responses import page, redirect, url

__all__ = ["FORM_CONTENT_TYPES", "Form", "HttpError", "page", "posted", "query", "redirect",
           "url"]
