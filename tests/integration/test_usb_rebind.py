"""The last recovery step: the unprivileged agent asks, the root helper re-binds the USB device."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from agent.daemon.usb_rebind import REQUEST, UsbRebind

HELPER = Path(__file__).resolve().parents[2] / "systemd" / "usb-rebind"


def fake_sysfs(root: Path) -> Path:
    """/sys as a SIM7600 on a Pi's hub shows it: ttyUSB2 is interface 1-1.3:1.2 of device 1-1.3."""
    interface = root / "devices/platform/usb1/1-1/1-1.3/1-1.3:1.2"
    interface.mkdir(parents=True)
    tty = root / "class/tty/ttyUSB2"
    tty.mkdir(parents=True)
    (tty / "device").symlink_to(interface)
    drivers = root / "bus/usb/drivers/usb"
    drivers.mkdir(parents=True)
    for name in ("bind", "unbind"):
        (drivers / name).write_text("")
    return drivers


def run_helper(tmp_path: Path, port: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TEXTBACK_DATA_DIR=str(tmp_path), TEXTBACK_SYSFS=str(tmp_path / "sys"))
    (tmp_path / REQUEST).write_text(port + "\n")
    return subprocess.run(["bash", str(HELPER)], env=env, capture_output=True, text=True, timeout=20)


def test_helper_unbinds_and_binds_the_modems_usb_device(tmp_path):
    drivers = fake_sysfs(tmp_path / "sys")
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "ttyUSB2").write_text("")
    port = dev / "textback-modem"
    port.symlink_to(dev / "ttyUSB2")
    done = run_helper(tmp_path, "/dev/../" + str(port).lstrip("/"))
    assert done.returncode == 0, done.stderr
    assert (drivers / "unbind").read_text().strip() == "1-1.3"
    assert (drivers / "bind").read_text().strip() == "1-1.3"
    assert not (tmp_path / REQUEST).exists()
    assert (tmp_path / "usb-rebind.result").read_text().startswith("done")


def test_helper_refuses_anything_but_a_serial_device(tmp_path):
    drivers = fake_sysfs(tmp_path / "sys")
    done = run_helper(tmp_path, "/etc/passwd")
    assert done.returncode == 1 and (drivers / "unbind").read_text() == ""
    assert (tmp_path / "usb-rebind.result").read_text().startswith("refused")


def test_agent_side_asks_and_reads_the_answer(tmp_path):
    ask = UsbRebind(tmp_path, wait=5)

    def helper() -> None:
        request = tmp_path / REQUEST
        for _ in range(100):
            if request.exists():
                (tmp_path / "usb-rebind.result").write_text("done: USB device 1-1.3 re-bound\n")
                request.unlink()
                return
            threading.Event().wait(0.02)
    thread = threading.Thread(target=helper)
    thread.start()
    assert ask("/dev/textback-modem") == "done: USB device 1-1.3 re-bound"
    thread.join()


def test_agent_side_says_when_nobody_answers(tmp_path):
    assert UsbRebind(tmp_path, wait=0.3)("/dev/textback-modem").startswith("not available")
    assert not (tmp_path / REQUEST).exists()
