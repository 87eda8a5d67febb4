"""`textback demo --once` runs the whole box on the simulator and narrates what happened."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from agent.cli import main


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_demo_runs_end_to_end():
    result = CliRunner().invoke(main, ["demo", "--once", "--port", str(free_port())])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.count("-> texted") == 2
    assert "not texted: already texted recently" in out
    assert "not texted: withheld number" in out
    assert "not texted: landline" in out
    assert "not texted: premium-rate number" in out
    assert "relayed to the owner's phone" in out
    assert "not texted: opted out (STOP)" in out
    assert "7 missed calls, 2 texted, 4 SMS sent in all." in out
