"""The names and addresses the box answers to: textback.local, its host name, its own addresses.

The web server's Host check and the certificate both use them; this module needs no crypto, so
a box serving plain HTTP never loads the cryptography package.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import subprocess

__all__ = ["SHOP_NAME", "box_names", "box_addresses"]

SHOP_NAME = "textback.local"


def box_names() -> list[str]:
    """textback.local, the host name (bare and .local), localhost."""
    host = socket.gethostname().strip().lower()
    names = [SHOP_NAME]
    if host and host != "localhost":
        names += [host] if "." in host else [host, f"{host}.local"]
    return list(dict.fromkeys(names + ["localhost"]))


def box_addresses() -> list[str]:
    """The box's own addresses (`ip -j addr`, else the host name's), loopback included. No packet is sent."""
    found: list[str] = []
    try:
        out = subprocess.run(["ip", "-j", "addr", "show"], capture_output=True, text=True, timeout=5, check=True).stdout
        for link in json.loads(out):
            for info in link.get("addr_info", []):
                if info.get("local"):
                    found.append(info["local"])
    except (OSError, subprocess.SubprocessError, ValueError):
        try:
            found = [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
        except OSError:
            found = []
    clean = []
    for text in found + ["127.0.0.1", "::1"]:
        try:
            clean.append(str(ipaddress.ip_address(text.split("%")[0])))
        except ValueError:
            continue
    return list(dict.fromkeys(clean))
