"""Only requests addressed to this box: the Host header must be one of its names or addresses.

A page on another site can make the owner's browser send requests to the box under the other
site's name (DNS rebinding: evil.example resolving to the box's address). Such requests carry
Host: evil.example and get 400 here, before anything else runs, so they can neither read pages
nor use up the login tries.

Allowed: textback.local, the box's host name (bare and .local), localhost, [web] host when it
is a name or address, the address the request actually reached, and the box's own addresses
(read at most once a minute).
"""

from __future__ import annotations

import ipaddress
import threading
import time

from flask import abort, request

from agent.config import Config
from agent.tools.box_names import box_addresses, box_names

__all__ = ["check_host", "host_of", "allowed_names", "ADDRESS_TTL"]

ADDRESS_TTL = 60.0
_WILDCARDS = {"0.0.0.0", "::", "*", ""}
_cache: dict[str, object] = {"at": -ADDRESS_TTL, "addresses": frozenset()}
_lock = threading.Lock()


def host_of(header: str) -> str:
    """'Textback.local:8080' → 'textback.local'; '[fe80::1]:8080' → 'fe80::1'; '' when unreadable."""
    value = (header or "").strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end > 0 else ""
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def allowed_names(config: Config) -> frozenset[str]:
    names = set(box_names()) | {"localhost", "127.0.0.1", "::1"}
    if config.web.host.lower() not in _WILDCARDS:
        names.add(config.web.host.lower())
    return frozenset(names)


def _addresses() -> frozenset[str]:
    with _lock:
        now = time.monotonic()
        if now - float(_cache["at"]) >= ADDRESS_TTL:  # type: ignore[arg-type]
            _cache["addresses"] = frozenset(box_addresses())
            _cache["at"] = now
        return _cache["addresses"]  # type: ignore[return-value]


def _canonical_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def check_host(config: Config, names: frozenset[str]) -> None:
    """Before every request: 400 unless Host names this box."""
    host = host_of(request.headers.get("Host", ""))
    if host and host in names:
        return
    ip = _canonical_ip(host)
    if ip is not None:
        reached = _canonical_ip(request.environ.get("textback.local_address", "") or "")
        if ip == reached or ip in _addresses():
            return
    abort(400, description="This box answers only to its own name (textback.local, its host name) or its "
                           "address. Open it by one of those.")
