"""The last step of recovery: re-bind the modem's USB device, as if it were unplugged and back.

A modem that no longer answers even its own reset (AT+CFUN=1,1) is brought back, as eg25-manager
does it, by unbinding its USB device from the kernel driver and binding it again (sysfs). That
needs root, and the service runs unprivileged with NoNewPrivileges, so it only asks: it writes
the modem's port into `usb-rebind.request` in its data folder. On an installed box a systemd path
unit (systemd/textback-usb-rebind.path) sees the file and runs the root helper
(systemd/usb-rebind), which re-binds the device, writes `usb-rebind.result` and removes the
request. Elsewhere (a developer's machine, tests) nobody answers, and this says so.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

__all__ = ["UsbRebind", "REQUEST", "RESULT"]

log = logging.getLogger(__name__)

REQUEST = "usb-rebind.request"
RESULT = "usb-rebind.result"


class UsbRebind:
    def __init__(self, folder: str | Path, wait: float = 15.0):
        self.folder = Path(folder)
        self.wait = wait

    def __call__(self, port: str) -> str:
        """Ask for a re-bind of the USB device behind `port`; returns what happened, in words."""
        request, result = self.folder / REQUEST, self.folder / RESULT
        try:
            result.unlink(missing_ok=True)
            request.write_text(port + "\n")
        except OSError as error:
            return f"could not be asked for ({error})"
        done = threading.Event()
        waited = 0.0
        while waited < self.wait and request.exists():
            done.wait(0.25)
            waited += 0.25
        if request.exists():
            try:
                request.unlink()
            except OSError:
                pass
            return "not available (no helper answered: is textback-usb-rebind.path enabled?)"
        try:
            return result.read_text().strip() or "done"
        except OSError:
            return "done"
