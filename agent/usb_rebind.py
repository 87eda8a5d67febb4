"""The last step of recovery: re-bind the modem's USB device, as if it were unplugged and back.

A modem that no longer answers even its own reset (AT+CFUN=1,1) is brought back, as eg25-manager
does it, by unbinding its USB device from the kernel driver and binding it again (sysfs). That
needs root, so the unprivileged service asks a small helper installed by install.sh
(/usr/local/lib/textback/usb-rebind) through sudo, which install.sh allows for exactly that
command and nothing else. Outside an installed box the helper is missing and this says so.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

__all__ = ["rebind_usb", "HELPER"]

log = logging.getLogger(__name__)

HELPER = os.environ.get("TEXTBACK_USB_REBIND", "/usr/local/lib/textback/usb-rebind")


def rebind_usb(port: str) -> str:
    """Ask the helper to re-bind the USB device behind `port`; returns what happened, in words."""
    if not os.path.exists(HELPER):
        return f"not available ({HELPER} is not installed)"
    command = [HELPER, port]
    if os.geteuid() != 0 and shutil.which("sudo"):
        command = ["sudo", "-n", *command]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"failed ({error})"
    if done.returncode != 0:
        return f"failed ({(done.stderr or done.stdout).strip()[:200] or 'exit ' + str(done.returncode)})"
    return "done"
