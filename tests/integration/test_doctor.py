"""`textback doctor` against the simulator: healthy, SIM PIN, port missing, port busy."""

from __future__ import annotations

import serial
from click.testing import CliRunner

from agent.cli import main
from agent.tools.doctor import run_checks
from agent.simulator import SimulatedModem
from tests.conftest import make_config


def verdicts(checks) -> dict[str, str]:
    return {check.name: check.verdict for check in checks}


def test_healthy_box(tmp_path):
    with SimulatedModem("sim7600", link_path=tmp_path / "modem") as sim:
        checks = run_checks(make_config(tmp_path, port=sim.port, web={"port": 18099}))
    found = verdicts(checks)
    for name in ("Modem port", "Modem answers AT", "SIM", "Network", "Signal", "SMS centre", "SIM message storage",
                 "Database"):
        assert found[name] == "ok", (name, checks)
    assert "SIMCOM_SIM7600E-H" in next(c.found for c in checks if c.name == "Modem answers AT")


def test_sim_asks_for_a_pin_that_config_does_not_give(tmp_path):
    with SimulatedModem("quectel", pin="1234", link_path=tmp_path / "modem") as sim:
        checks = run_checks(make_config(tmp_path, port=sim.port))
    sim_check = next(c for c in checks if c.name == "SIM")
    assert sim_check.verdict == "fail" and "PIN" in sim_check.found and "[modem] pin" in sim_check.fix


def test_port_missing(tmp_path):
    checks = run_checks(make_config(tmp_path, port=str(tmp_path / "nothing")))
    assert checks[0].verdict == "fail" and "does not exist" in checks[0].found
    assert "Database" in verdicts(checks)


def test_port_held_by_another_program(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        holder = serial.Serial(sim.port, exclusive=True)
        try:
            checks = run_checks(make_config(tmp_path, port=sim.port))
        finally:
            holder.close()
    busy = next(c for c in checks if c.name == "Port free")
    assert busy.verdict == "fail" and "ModemManager" in busy.fix


def test_cli_doctor_exit_codes_and_send_test(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        config = tmp_path / "config.toml"
        config.write_text(f'[modem]\nport = "{sim.port}"\n[owner]\nphone = "+447911000001"\n'
                          '[web]\nport = 18098\n')
        result = CliRunner().invoke(main, ["doctor", "--config", str(config), "--send-test"])
        assert result.exit_code == 0, result.output
        assert "OK   Test text: sent to +447911000001" in result.output
        assert [s.number for s in sim.sent] == ["+447911000001"]
    result = CliRunner().invoke(main, ["doctor", "--config", str(config)])
    assert result.exit_code == 1 and "FAIL Modem port" in result.output
