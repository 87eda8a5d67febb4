"""Talk to systemd: readiness, status and the watchdog, with no dependencies.

The service unit (systemd/textback.service) is Type=notify with WatchdogSec=60: systemd waits
for "READY=1" before it calls the service started, and kills and restarts it when "WATCHDOG=1"
stops arriving. The protocol is one datagram per message to the AF_UNIX socket named in
$NOTIFY_SOCKET (see sd_notify(3)); outside systemd the variable is unset and every call here is
a harmless no-op, so the same code runs under the tests, `textback demo` and the service.

The watchdog must prove the program still works, not merely that a thread is alive: the main
loop calls Watchdog.tick() often, and a ping is sent only while is_healthy() says so. A loop
that hangs stops calling tick(); a loop that spins while its worker is dead fails is_healthy().
Either way systemd restarts the service within WatchdogSec.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Callable, Mapping

__all__ = ["notify", "watchdog_interval", "Watchdog"]

log = logging.getLogger(__name__)


def _socket_address(name: str) -> str | bytes:
    """$NOTIFY_SOCKET is a path, or "@name" for a Linux abstract socket (leading NUL byte)."""
    if name.startswith("@"):
        return b"\0" + name[1:].encode()
    return name


def notify(state: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send one sd_notify message such as "READY=1" or "STATUS=waiting for the modem".

    Returns True when the message was handed to systemd, False when not running under systemd
    (no $NOTIFY_SOCKET) or when the socket could not be reached. Never raises: a service must not
    fall over because its supervisor went away.
    """
    name = (os.environ if environ is None else environ).get("NOTIFY_SOCKET", "")
    if not name or name[0] not in "/@":
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(state.encode("utf-8"), _socket_address(name))
        return True
    except OSError as e:
        log.debug("sd_notify %r to %s failed: %s", state, name, e)
        return False


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between watchdog pings, or None when systemd does not watch this process.

    systemd sets WATCHDOG_USEC (from WatchdogSec=) and WATCHDOG_PID (the process it watches).
    sd_watchdog_enabled(3) recommends pinging at half the timeout, so a late ping still lands.
    """
    env = os.environ if environ is None else environ
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    pid = env.get("WATCHDOG_PID", "")
    if pid:
        try:
            if int(pid) != os.getpid():
                return None  # the variable was inherited from a parent that systemd watches
        except ValueError:
            return None
    return usec / 1_000_000 / 2


class Watchdog:
    """Feeds systemd's watchdog from the main loop, and only while the program is healthy.

    interval: seconds between pings (watchdog_interval()); None or <= 0 switches it off.
    is_healthy: asked once per due ping; False withholds the ping so systemd restarts us.
    """

    def __init__(
        self,
        interval: float | None,
        is_healthy: Callable[[], bool],
        clock_monotonic: Callable[[], float] = time.monotonic,
        send: Callable[[str], bool] = notify,
    ) -> None:
        self.interval = interval if interval and interval > 0 else None
        self._is_healthy = is_healthy
        self._clock = clock_monotonic
        self._send = send
        self._last_ping: float | None = None
        self._withheld = False

    @classmethod
    def from_environment(cls, is_healthy: Callable[[], bool], **kwargs) -> "Watchdog":
        """A watchdog with the interval systemd asked for (off when not under systemd)."""
        return cls(watchdog_interval(), is_healthy, **kwargs)

    @property
    def enabled(self) -> bool:
        return self.interval is not None

    def tick(self) -> bool:
        """Call as often as you like; returns True when a ping was sent on this call."""
        if self.interval is None:
            return False
        now = self._clock()
        if self._last_ping is not None and now - self._last_ping < self.interval:
            return False
        try:
            healthy = bool(self._is_healthy())
        except Exception:  # a crashing health check is an unhealthy program
            log.exception("health check failed")
            healthy = False
        if not healthy:
            if not self._withheld:
                log.warning("unhealthy: withholding the watchdog ping, systemd will restart the service")
                self._withheld = True
            return False
        if self._withheld:
            log.info("healthy again: watchdog pings resumed")
            self._withheld = False
        self._last_ping = now
        return self._send("WATCHDOG=1")
