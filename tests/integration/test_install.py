"""install.sh, run for real into a DESTDIR tree (no root, no apt, no systemctl, no udevadm).

Speed and honesty: the installer builds its own venv and pip-installs this checkout into it,
exactly as on a Pi, except TEXTBACK_PIP_ARGS="--no-deps" skips downloading the dependencies.
To run the installed command, the test lends it the dependencies already installed for the
test run (PYTHONPATH = this interpreter's site-packages); TextBack's own code must still come
from the DESTDIR venv, which the test checks.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from agent.config import load_config

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "install.sh"

pytestmark = [pytest.mark.timeout(180), pytest.mark.long]


def run_installer(root: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not name.startswith("TEXTBACK_")}
    env.update(DESTDIR=str(root), TEXTBACK_PYTHON=sys.executable, TEXTBACK_PIP_ARGS="--no-deps", **extra_env)
    return subprocess.run(
        ["bash", str(INSTALL), *args], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=150,
    )


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path outside the venv's internals: kind, mode and content (or link target)."""
    venv = root / "opt/textback/venv"
    state = {}
    for path in sorted(root.rglob("*")):
        if venv in path.parents:
            continue
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            state[str(path.relative_to(root))] = ("link", os.readlink(path))
        elif stat.S_ISDIR(mode):
            state[str(path.relative_to(root))] = ("dir", stat.S_IMODE(mode))
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[str(path.relative_to(root))] = ("file", stat.S_IMODE(mode), digest)
    return state


def system_paths_state() -> dict[str, bool]:
    paths = ["/opt/textback", "/etc/textback", "/var/lib/textback",
             "/etc/systemd/system/textback.service", "/etc/udev/rules.d/99-textback-modem.rules"]
    return {p: os.path.lexists(p) for p in paths}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Install twice with the owner editing the config in between; keep both outputs."""
    root = tmp_path_factory.mktemp("destdir")
    system_before = system_paths_state()
    first = run_installer(root, TEXTBACK_NAME='Joe\'s "Bikes"')
    assert first.returncode == 0, first.stdout + first.stderr
    config = root / "etc/textback/config.toml"
    edited = config.read_text() + "\n# edited by the owner\n"
    config.write_text(edited)
    before = snapshot(root)
    second = run_installer(root, TEXTBACK_NAME="Someone Else")
    assert second.returncode == 0, second.stdout + second.stderr
    return {"root": root, "first": first, "second": second, "edited": edited,
            "before": before, "after": snapshot(root), "system_before": system_before}


def test_layout(installed):
    root = installed["root"]
    for relative in ("opt/textback/venv/bin/python", "opt/textback/bin/textback",
                     "etc/textback/config.toml", "etc/systemd/system/textback.service",
                     "etc/udev/rules.d/99-textback-modem.rules", "opt/textback/bin/usb-rebind",
                     "etc/systemd/system/textback-usb-rebind.path", "etc/systemd/system/textback-usb-rebind.service",
                     "etc/systemd/system/textback-mdns.service", "opt/textback/bin/mdns-alias",
                     "etc/avahi/services/textback.service"):
        assert (root / relative).exists(), relative
    assert os.access(root / "opt/textback/bin/usb-rebind", os.X_OK)
    assert os.access(root / "opt/textback/bin/mdns-alias", os.X_OK)
    data = root / "var/lib/textback"
    assert data.is_dir() and stat.S_IMODE(data.stat().st_mode) == 0o750
    assert stat.S_IMODE((root / "etc/textback/config.toml").stat().st_mode) == 0o640
    assert os.readlink(root / "opt/textback/bin/textback") == "../venv/bin/textback"
    leftovers = [p for p in root.rglob("*") if p.name.endswith(".new") or ".toml." in p.name]
    assert leftovers == []


def test_the_running_system_is_untouched(installed):
    assert system_paths_state() == installed["system_before"]


def test_unit_file(installed):
    unit = (installed["root"] / "etc/systemd/system/textback.service").read_text()
    lines = {line.strip() for line in unit.splitlines()}
    for expected in ("Type=notify", "NotifyAccess=main", "WatchdogSec=120", "After=network.target time-sync.target", "User=textback",
                     "SupplementaryGroups=dialout", "Restart=always", "ProtectSystem=strict",
                     "ReadWritePaths=/var/lib/textback", "DevicePolicy=closed",
                     "DeviceAllow=char-ttyUSB rw", "WantedBy=multi-user.target",
                     "ExecStart=/opt/textback/bin/textback run --config /etc/textback/config.toml"):
        assert expected in lines, expected


def test_udev_rules(installed):
    rules = (installed["root"] / "etc/udev/rules.d/99-textback-modem.rules").read_text()
    active = [line for line in rules.splitlines() if line and not line.startswith("#")]
    assert active[0] == 'ACTION!="add|change|move|bind", GOTO="textback_end"'
    assert active[-1] == 'LABEL="textback_end"'
    assert any('ENV{ID_MM_DEVICE_IGNORE}="1"' in line for line in active)
    linked = [line for line in active if 'SYMLINK+="textback-modem"' in line]
    for vendor in ("1e0e", "2c7c", "12d1"):
        assert any(f'ATTRS{{idVendor}}=="{vendor}"' in line for line in linked), vendor
    # generic USB-serial chips are claimed only on request (--usb-serial)
    assert not any('"1a86"' in line and "SYMLINK" in line for line in active)


def test_usb_serial_option_turns_the_adapter_lines_on(tmp_path):
    script = (f'source "{INSTALL}"; DESTDIR="{tmp_path}"; USB_SERIAL=true; '
              'install -d "$DESTDIR${RULES_FILE%/*}"; install_udev_rules')
    done = subprocess.run(["bash", "-c", script], env={**os.environ, "SKIP_INSTALL": "true"},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    rules = (tmp_path / "etc/udev/rules.d/99-textback-modem.rules").read_text()
    assert not any(line.startswith("#usb-serial#") for line in rules.splitlines())
    assert 'ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", SUBSYSTEM=="tty", SYMLINK+="textback-modem"' in rules


def test_config_points_at_var_lib_and_is_valid(installed):
    config_path = installed["root"] / "etc/textback/config.toml"
    config = load_config(config_path)
    assert config.storage.database == "/var/lib/textback/textback.db"
    assert config.business.name == 'Joe\'s "Bikes"'  # from TEXTBACK_NAME on the first run


def test_second_run_keeps_the_owners_config_and_changes_nothing_else(installed):
    config = installed["root"] / "etc/textback/config.toml"
    assert config.read_text() == installed["edited"]
    assert "Keeping your config" in installed["second"].stdout
    before, after = installed["before"], installed["after"]
    assert after == before, {path: (before.get(path), after.get(path)) for path in sorted(set(before) | set(after))
                             if before.get(path) != after.get(path)}


def test_installed_command_runs_from_the_destdir_venv(installed):
    root = installed["root"]
    lent = os.pathsep.join(dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]))
    env = {**os.environ, "PYTHONPATH": lent}
    where = subprocess.run([str(root / "opt/textback/venv/bin/python"), "-c", "import agent; print(agent.__file__)"],
                           env=env, capture_output=True, text=True, timeout=30, cwd="/")
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(root / "opt/textback/venv")), where.stdout
    helped = subprocess.run([str(root / "opt/textback/bin/textback"), "--help"],
                            env=env, capture_output=True, text=True, timeout=30, cwd="/")
    assert helped.returncode == 0, helped.stdout + helped.stderr


def test_the_web_page_is_announced_over_mdns_on_the_configured_port(installed):
    import xml.etree.ElementTree as ElementTree

    service = ElementTree.parse(installed["root"] / "etc/avahi/services/textback.service").getroot()
    found = {(s.findtext("type"), s.findtext("port")) for s in service.iter("service")}
    assert found == {("_https._tcp", "8080"), ("_http._tcp", "8080")}
    unit = (installed["root"] / "etc/systemd/system/textback-mdns.service").read_text()
    assert "ExecStart=/opt/textback/bin/mdns-alias textback.local" in unit and "User=textback" in unit


def test_the_installer_asks_nothing_and_points_to_the_phone(installed):
    out = installed["first"].stdout
    assert "nano" not in out and "set on a phone" in out
    assert "setup code is made when the service first starts" in out     # DESTDIR: nothing written outside it


def test_the_installed_command_makes_the_setup_code_and_the_certificate(installed, tmp_path):
    root = installed["root"]
    lent = os.pathsep.join(dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]))
    env = {**os.environ, "PYTHONPATH": lent}
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndatabase = "data/textback.db"\n[web]\ntls = true\n')
    command = [str(root / "opt/textback/bin/textback")]
    made = subprocess.run(command + ["certificate", "--config", str(config)], env=env, capture_output=True,
                          text=True, timeout=60, cwd="/")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "(made)" in made.stdout and (tmp_path / "data/tls/cert.pem").exists()
    shown = subprocess.run(command + ["setup-code", "--config", str(config)], env=env, capture_output=True,
                           text=True, timeout=60, cwd="/")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    code = shown.stdout.split("Setup code: ", 1)[1].split()[0]
    assert len(code) == 7 and code[3] == "-"
    assert "https://textback.local:8080" in shown.stdout and "Certificate fingerprint (SHA-256):" in shown.stdout
    again = subprocess.run(command + ["setup-code", "--config", str(config)], env=env, capture_output=True,
                           text=True, timeout=60, cwd="/")
    assert f"Setup code: {code}" in again.stdout                        # the same code until it is used


def test_uninstall_keeps_config_and_data_then_purge_removes_them(installed, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(installed["root"], root, symlinks=True)
    removed = run_installer(root, "--uninstall")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    for gone in ("opt/textback", "etc/systemd/system/textback.service", "etc/udev/rules.d/99-textback-modem.rules",
                 "etc/systemd/system/textback-mdns.service", "etc/avahi/services/textback.service"):
        assert not (root / gone).exists(), gone
    assert (root / "etc/textback/config.toml").read_text() == installed["edited"]
    assert (root / "var/lib/textback").is_dir()
    purged = run_installer(root, "--uninstall", "--purge")
    assert purged.returncode == 0, purged.stdout + purged.stderr
    assert not (root / "etc/textback").exists() and not (root / "var/lib/textback").exists()


def test_help_and_bad_options():
    assert subprocess.run(["bash", str(INSTALL), "--help"], capture_output=True, timeout=10).returncode == 0
    bad = subprocess.run(["bash", str(INSTALL), "--frobnicate"], capture_output=True, text=True, timeout=10)
    assert bad.returncode != 0 and "unknown option" in bad.stderr
    purge_alone = subprocess.run(["bash", str(INSTALL), "--purge"], capture_output=True, text=True, timeout=10)
    assert purge_alone.returncode != 0


def test_script_syntax():
    assert os.access(INSTALL, os.X_OK), "install.sh must be executable"
    subprocess.run(["bash", "-n", str(INSTALL)], check=True, timeout=10)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shellcheck():
    done = subprocess.run(["shellcheck", "-x", str(INSTALL), str(REPO / "systemd/mdns-alias")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout
