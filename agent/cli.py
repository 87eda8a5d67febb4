"""`textback …`: thin click commands over agent/ and web/. Domain errors become clear messages."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

import click

from agent.config import Config, load_config
from agent.errors import ConfigError, TextBackError

__all__ = ["main"]

log = logging.getLogger("textback")


class ConfigProblem(click.ClickException):
    """A bad config stops start-up with exit code 2 and one line naming file, key and value."""

    exit_code = 2


def default_config_path() -> str:
    env = os.environ.get("TEXTBACK_CONFIG")
    if env:
        return env
    if Path("/etc/textback/config.toml").exists():
        return "/etc/textback/config.toml"
    return "config.toml"


config_option = click.option("--config", "config_path", default=default_config_path, show_default="TEXTBACK_CONFIG, "
                             "/etc/textback/config.toml or ./config.toml", help="Path to config.toml.")


def read_config(path: str) -> Config:
    try:
        return load_config(path)
    except ConfigError as error:
        raise ConfigProblem(str(error)) from None


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("apscheduler", "waitress"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if verbose else logging.WARNING)


def stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log at DEBUG (with [modem] trace_at: every AT line).")
def main(verbose: bool) -> None:
    """TextBack: text back every caller the shop missed, from the shop's own SIM."""
    configure_logging(verbose)


@main.command("check-config")
@config_option
def check_config(config_path: str) -> None:
    """Check config.toml and say what it sets (exit 2 and the reason when it is wrong)."""
    config = read_config(config_path)
    click.echo(f"{config.source}: OK")
    click.echo(f"  business: {config.business.name} ({config.business.country}, {config.business.timezone})")
    click.echo(f"  modem:    {config.modem.port} at {config.modem.baudrate} baud, family {config.modem.family}")
    click.echo(f"  database: {config.storage.database}")
    click.echo(f"  web:      {'https' if config.web.tls else 'http'}://{config.web.host}:{config.web.port}/"
               f"{' (HTTPS and HTTP on one port)' if config.web.tls else ''}")
    click.echo(f"  rules:    delay {config.rules.delay_seconds} s, dedup {config.rules.dedup_hours} h")


@main.command()
@config_option
def agent(config_path: str) -> None:
    """Run the modem service only (the web UI can run apart with `textback web`)."""
    from agent.daemon.runner import run_agent

    config = read_config(config_path)
    try:
        run_agent(config, stop_on_signals(), with_web=False)
    except TextBackError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@config_option
def run(config_path: str) -> None:
    """Run the modem service and the web UI in one process (what the systemd unit starts)."""
    from agent.daemon.runner import run_agent

    config = read_config(config_path)
    try:
        run_agent(config, stop_on_signals(), with_web=True)
    except TextBackError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@config_option
@click.option("--host", default=None, help="Listen address (default: [web] host).")
@click.option("--port", type=int, default=None, help="Port (default: [web] port).")
def web(config_path: str, host: str | None, port: int | None) -> None:
    """Serve the web UI alone, against the same database as the agent."""
    from web import serve

    serve(read_config(config_path), host=host, port=port)


@main.command()
@config_option
def passwd(config_path: str) -> None:
    """Set the owner's web password (from standard input when it is not a terminal)."""
    from agent.clock import SystemClock
    from agent.passwords import set_password
    from agent.store import Store

    config = read_config(config_path)
    if sys.stdin.isatty():
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        lines = [line.rstrip("\r\n") for line in sys.stdin.read().splitlines() if line.strip()]
        if not lines or len(lines) > 2 or (len(lines) == 2 and lines[0] != lines[1]):
            raise click.ClickException("give the password on one line, or the same line twice")
        password = lines[0]
    store = Store.open(config.storage.database)
    try:
        set_password(store, password, SystemClock().now())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()
    click.echo("Password set. Log in at %s://<box address>:%d/" % ("https" if config.web.tls else "http",
                                                                   config.web.port))


def as_data_owner(config: Config) -> None:
    """Run as the owner of the data folder when started as root (sudo textback …), so files SQLite
    or the certificate code creates stay the service's, never root's."""
    if os.geteuid() != 0:
        return
    folder = Path(config.storage.database).resolve().parent
    try:
        owner = folder.stat()
    except FileNotFoundError:
        return
    if owner.st_uid != 0:
        os.setgid(owner.st_gid)
        os.setuid(owner.st_uid)


def _web_addresses(config: Config) -> list[str]:
    from agent.tools.certificate import box_addresses, box_names

    scheme = "https" if config.web.tls else "http"
    names = [n for n in box_names() if n.endswith(".local")]
    shown = [a for a in box_addresses() if ":" not in a and not a.startswith("127.")][:2]
    return [f"{scheme}://{host}:{config.web.port}" for host in names + shown]


@main.command("setup-code")
@config_option
@click.option("--reset", is_flag=True, help="Forgot the password: clear it, log out every browser, make a new code.")
def setup_code(config_path: str, reset: bool) -> None:
    """Show the one-time code that sets the web password on a phone (made while no password is set)."""
    from agent.clock import SystemClock
    from agent.store import Store
    from agent.tools.certificate import read_certificate
    from agent.tools.setup_code import ensure_code, reset_password

    config = read_config(config_path)
    as_data_owner(config)
    store = Store.open(config.storage.database)
    try:
        now = SystemClock().now()
        code = reset_password(store, now) if reset else ensure_code(store, now)
    finally:
        store.close()
    if code is None:
        click.echo("A web password is set, so no setup code is needed. Forgot it? "
                   f"textback setup-code --reset --config {config.source}")
        return
    if reset:
        click.echo("Password cleared; every browser is logged out.")
    click.echo(f"Setup code: {code}")
    click.echo("Open " + "  or  ".join(_web_addresses(config)) + " on a phone and type it.")
    state = read_certificate(config)
    if state is not None:
        click.echo(f"Certificate fingerprint (SHA-256): {state.fingerprint}")


@main.command()
@config_option
def certificate(config_path: str) -> None:
    """Make or renew the box's HTTPS certificate ([web] tls) and print its fingerprint."""
    from agent.clock import SystemClock
    from agent.tools.certificate import ensure_certificate

    config = read_config(config_path)
    if not config.web.tls:
        click.echo(f"[web] tls = false in {config.source}: no certificate is used.")
        return
    as_data_owner(config)
    try:
        state = ensure_certificate(config, SystemClock().now())
    except ConfigError as error:
        raise ConfigProblem(str(error)) from None
    click.echo(f"Certificate {state.cert_path} ({state.action}), valid until {state.not_after:%Y-%m-%d}")
    click.echo(f"Fingerprint (SHA-256): {state.fingerprint}")
    if state.ca_path is not None:
        click.echo(f"To trust it on a phone: {state.ca_path} (SHA-256 {state.ca_fingerprint})")


@main.command()
@config_option
@click.option("--send-test", is_flag=True, help="Also text the owner's phone ([owner] phone) from the box.")
def doctor(config_path: str, send_test: bool) -> None:
    """Check port, modem, SIM, network, signal, SMS centre, storage, database and web port, in plain words."""
    from agent.tools.doctor import run_checks, send_test_text

    config = read_config(config_path)
    checks = run_checks(config, send_test_text(config) if send_test else None)
    marks = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}
    for check in checks:
        click.echo(f"{marks[check.verdict]} {check.name}: {check.found}")
        if check.fix and check.verdict != "ok":
            click.echo(f"     → {check.fix}")
    failed = [c for c in checks if c.verdict == "fail"]
    click.echo(f"\n{len(failed)} problem(s) found." if failed else "\nAll good.")
    sys.exit(1 if failed else 0)


@main.command()
@config_option
@click.option("--to", "folder", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write textback-calls.csv and textback-messages.csv into.")
def export(config_path: str, folder: str) -> None:
    """Write every call and every text to two CSV files (times in UTC and in the shop's time zone)."""
    from zoneinfo import ZoneInfo

    from agent.tools.export import write_exports
    from agent.store import Store

    config = read_config(config_path)
    store = Store.open(config.storage.database)
    try:
        for path in write_exports(store, Path(folder), ZoneInfo(store.load_settings().timezone)):
            click.echo(f"wrote {path}")
    finally:
        store.close()


@main.command()
@click.option("--family", default="sim800", show_default=True,
              help="Simulated modem family: sim800, sim7600, a76xx, quectel, huawei, ublox, silent.")
@click.option("--port", "web_port", default=8080, show_default=True, help="Port of the demo's web UI.")
@click.option("--keep-running/--once", default=None,
              help="Keep the web UI up after the scripted calls (default: only when run from a terminal).")
def demo(family: str, web_port: int, keep_running: bool | None) -> None:
    """A simulated modem, the agent and the web UI, with scripted calls: no hardware needed."""
    from agent.tools.demo import run_demo

    if keep_running is None:
        keep_running = sys.stdin.isatty()
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger().setLevel(logging.WARNING)   # the demo narrates; logs only for problems
    try:
        run_demo(family=family, web_port=web_port, keep_running=keep_running, stop=stop_on_signals())
    except TextBackError as error:
        raise click.ClickException(str(error)) from None


if __name__ == "__main__":  # pragma: no cover
    main()
