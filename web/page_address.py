"""The ordinary (GET) address of a page that answers a form.

A refused form is answered with its page again (the typed text kept, the reason beside the field).
The browser remembers that page as a POST, so Back or reload later would ask to "Confirm Form
Resubmission". web/static/forms.js swaps the remembered entry for a visit of the address given here,
which the browser can simply fetch again: the page's own address when it also answers GET, else the
page the form lives on (a reply's conversation, the Rules page for the never-text list).
"""

from __future__ import annotations

from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException

__all__ = ["settled_url", "page_url_for", "init_app"]

# forms whose address only takes POST → the endpoint of the page they are on (same view arguments)
_FORM_PAGES = {"inbox.reply": "inbox.conversation", "inbox.outcome": "inbox.conversation",
               "inbox.handled": "inbox.conversation", "settings.add_exclusion": "settings.rules"}


def page_url_for(path: str) -> str:
    """The address of the page a form sent to `path` lives on ("" when there is none)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match(path, method="POST")
    except HTTPException:
        endpoint, args = "", {}
    if endpoint in _FORM_PAGES:
        return url_for(_FORM_PAGES[endpoint], **args)
    try:
        adapter.match(path, method="GET")
    except HTTPException:
        return ""
    return path


def settled_url() -> str:
    """For a page rendered in answer to a POST: the address to remember instead; "" otherwise."""
    if request.method != "POST":
        return ""
    page = page_url_for(request.path)
    return request.full_path.rstrip("?") if page == request.path else page


def init_app(app) -> None:
    app.jinja_env.globals["settled_url"] = settled_url
