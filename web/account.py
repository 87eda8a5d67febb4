"""The owner's account page: where they are logged in, "log out all devices", the box's HTTPS
certificate (its fingerprint, and the file to trust it on a phone) and the set-up wizard again."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, send_file

from web import owner_session, web_context

__all__ = ["bp", "certificate_facts", "device_words"]

bp = Blueprint("account", __name__)


def certificate_facts(config) -> dict:
    """What the pages say about HTTPS: on or off, and the fingerprints to compare."""
    state = _certificate(config)
    return {"tls": config.web.tls, "fingerprint": state.fingerprint if state else None,
            "ca_fingerprint": state.ca_fingerprint if state else None,
            "not_after": state.not_after if state else None,
            "downloadable": bool(state and state.ca_path)}


def device_words(user_agent: str) -> str:
    """'Mozilla/5.0 (iPhone; …) … Safari' → 'Safari on an iPhone': enough to tell devices apart."""
    ua = user_agent or ""
    system = next((name for key, name in (("iPhone", "an iPhone"), ("iPad", "an iPad"), ("Android", "Android"),
                                          ("Windows", "Windows"), ("Mac OS X", "a Mac"), ("CrOS", "a Chromebook"),
                                          ("Linux", "Linux")) if key in ua), "")
    browser = next((name for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("SamsungBrowser", "Samsung "
                    "Internet"), ("Chrome/", "Chrome"), ("Safari/", "Safari")) if key in ua), "A browser")
    return f"{browser} on {system}" if system else browser


@bp.route("/account")
def account():
    """Devices logged in, log out everywhere, the certificate, the set-up wizard."""
    context = web_context()
    mine = g.get("owner_session")
    sessions = [{"device": device_words(s.device), "address": s.address, "created_at": s.created_at,
                 "last_seen_at": s.last_seen_at, "this": mine is not None and s.id == mine.id}
                for s in context.store.web_sessions()]
    return render_template("account.html", sessions=sessions, certificate=certificate_facts(context.config),
                           idle_days=owner_session.IDLE.days, max_days=owner_session.MAX_AGE.days)


@bp.route("/account/textback-box.crt")
def certificate_file():
    """The box's own certificate authority, to install on a phone once (then no more warnings)."""
    state = _certificate(web_context().config)
    if state is None or state.ca_path is None:
        abort(404, description="This box has no certificate of its own to download (HTTPS is off, or it "
                               "uses a certificate you gave it).")
    return send_file(state.ca_path, mimetype="application/x-x509-ca-cert", as_attachment=True,
                     download_name="textback-box.crt", max_age=0)


def _certificate(config):
    """The box's certificate, if it has one (cryptography is loaded only when HTTPS is on)."""
    if not config.web.tls:
        return None
    from agent.tools.certificate import read_certificate

    return read_certificate(config)
