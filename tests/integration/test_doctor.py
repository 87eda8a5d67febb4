"""`textback doctor` against the simulator: healthy, SIM PIN, port missing, port busy; what it asks the
modem (questions only) and what it makes of the SIM, network, SMS centre and storage answers."""

from __future__ import annotations

import re

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


# ---- what doctor asks the modem, and what it makes of the answers --------------------------------

READ_ONLY = re.compile(r"^(AT|AT\+CMEE=1|AT\+CG(MI|MM|MR|SN)|AT\+CIMI|AT\+CNUM|AT\+CSQ|AT\+[A-Z]+\?|AT\+COPS=3,[02]"
                       r"|AT\+CCFC=[0-3],2)$")


class OperatorFormats(SimulatedModem):
    """Answers AT+COPS? in the format last chosen with AT+COPS=3,<format> (27.007 §7.3: 0 long name,
    2 numeric MCC+MNC), as a real modem keeps it."""

    cops_format = 0

    def _answer(self, command: str) -> None:
        upper = command.upper()
        if upper.startswith("AT+COPS=3,"):
            self.cops_format = int(upper.rsplit(",", 1)[1])
            return self._ok()
        if upper == "AT+COPS?":
            return self._ok('+COPS: 0,2,"23415",7' if self.cops_format == 2 else '+COPS: 0,0,"vodafone UK",7')
        return super()._answer(command)


def test_doctor_only_asks_and_never_changes_the_modem_or_the_sim(tmp_path):
    with SimulatedModem("sim7600", link_path=tmp_path / "modem") as sim:
        run_checks(make_config(tmp_path, port=sim.port))
    assert sim.commands and all(READ_ONLY.match(command) for command in sim.commands), sim.commands
    assert not sim.submitted


def test_network_gives_the_operator_as_mcc_mnc_and_the_name_format_is_put_back(tmp_path):
    with OperatorFormats("quectel", link_path=tmp_path / "modem") as sim:
        checks = {c.name: c for c in run_checks(make_config(tmp_path, port=sim.port))}
    assert checks["Network"].found == "home network, vodafone UK (234 15)"
    asked = [c for c in sim.commands if c.startswith("AT+COPS")]
    assert asked[-3:] == ["AT+COPS=3,2", "AT+COPS?", "AT+COPS=3,0"] and sim.cops_format == 0


def test_sim_without_its_own_number_is_fine(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CNUM", "OK")
        checks = {c.name: c for c in run_checks(make_config(tmp_path, port=sim.port))}
    own = checks["Box's own number"]
    assert own.verdict == "ok" and own.found.startswith("not stored on this SIM")


def test_sim_own_number_and_country_shown(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        checks = {c.name: c for c in run_checks(make_config(tmp_path, port=sim.port))}
    assert checks["Box's own number"].found == "+447700900123"
    assert checks["SIM"].found.endswith("country code 234, network 15")


def test_no_sim_stops_before_the_network_questions(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CPIN?", "+CME ERROR: 10")
        checks = run_checks(make_config(tmp_path, port=sim.port))
    sim_check = next(c for c in checks if c.name == "SIM")
    assert sim_check.verdict == "fail" and "SIM not inserted (+CME ERROR: 10)" in sim_check.found
    assert not any(c.startswith(("AT+CCFC", "AT+CNUM", "AT+CIMI")) for c in sim.commands)
    assert "Database" in verdicts(checks)


def test_sms_centre_missing_and_storage_nearly_full(tmp_path):
    with SimulatedModem("sim800", link_path=tmp_path / "modem") as sim:
        sim.answer("AT+CSCA?", '+CSCA: "",129', "OK")
        sim.answer("AT+CPMS?", '+CPMS: "SM",27,30,"SM",27,30,"SM",27,30', "OK")
        checks = {c.name: c for c in run_checks(make_config(tmp_path, port=sim.port))}
    assert checks["SMS centre"].verdict == "fail" and checks["SMS centre"].found == "not set on the SIM"
    assert checks["SIM message storage"].verdict == "warn" and checks["SIM message storage"].found == "SM 27 of 30 used"
