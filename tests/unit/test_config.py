"""config.toml: defaults, validation messages naming file/key/value, typo detection, CLI exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from agent.cli import main
from agent.config import SCHEMA, load_config
from agent.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_shipped_config_is_valid_and_documents_every_key():
    config = load_config(REPO / "config.toml")
    assert config.modem.port == "/dev/textback-modem"
    text = (REPO / "config.toml").read_text()
    for section, keys in SCHEMA.items():
        assert f"[{section}]" in text
        for key in keys:
            assert f"\n{key} = " in text, f"config.toml does not show [{section}] {key}"


def test_empty_file_gives_defaults(tmp_path):
    config = load_config(write(tmp_path, ""))
    assert config.rules.delay_seconds == 15 and config.rules.dedup_hours == 24
    assert config.storage.database == str(tmp_path / "textback.db")
    assert config.hours["sun"] == ()


@pytest.mark.parametrize("text,needle", [
    ("[rules]\ndelay_secnds = 5\n", 'unknown key [rules] delay_secnds (did you mean "delay_seconds"?)'),
    ("[rule]\ndelay_seconds = 5\n", 'unknown section [rule] (did you mean "rules"?)'),
    ("[rules]\ndelay_seconds = 900\n", "[rules] delay_seconds = 900: expected a whole number from 0 to 600"),
    ("[rules]\ndelay_seconds = \"15\"\n", "[rules] delay_seconds = '15': expected a whole number"),
    ("[hours]\nmon = [\"9-5\"]\n", '[hours] mon = [\'9-5\']: expected "HH:MM-HH:MM" time ranges, got "9-5"'),
    ("[hours]\nmon = [\"09:00-25:00\"]\n", "is not a time of day"),
    ("[business]\ntimezone = \"Mars/Olympus\"\n", "expected an IANA time zone"),
    ("[business]\ncountry = \"XX\"\n", "expected a two-letter ISO country code"),
    ("[owner]\nphone = \"12\"\n", "[owner] phone = '12'"),
    ("[modem]\npin = \"12a4\"\n", "[modem] pin"),
    ("[modem]\nfamily = \"nokia\"\n", 'expected one of "auto"'),
    ("[rules\n", "is not valid TOML"),
])
def test_bad_values_are_named(tmp_path, text, needle):
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text))
    assert needle in str(raised.value)
    assert str(tmp_path / "config.toml") in str(raised.value)


def test_owner_phone_is_stored_in_e164(tmp_path):
    config = load_config(write(tmp_path, '[owner]\nphone = "07911 123456"\n'))
    assert config.owner.phone == "+447911123456"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")


def test_cli_check_config_exit_2_without_traceback(tmp_path):
    path = write(tmp_path, "[rules]\ndedup_hour = 3\n")
    result = CliRunner().invoke(main, ["check-config", "--config", str(path)])
    assert result.exit_code == 2
    assert 'unknown key [rules] dedup_hour (did you mean "dedup_hours"?)' in result.output
    assert "Traceback" not in result.output


def test_cli_check_config_ok():
    result = CliRunner().invoke(main, ["check-config", "--config", str(REPO / "config.toml")])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_every_cli_command_has_help():
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0
    for name, command in main.commands.items():
        assert command.help, f"textback {name} has no help text"
        assert runner.invoke(main, [name, "--help"]).exit_code == 0


def test_hours_section_given_or_not():
    from agent.config import parse_config

    assert parse_config({"hours": {"mon": []}}).hours_set is True
    assert parse_config({}).hours_set is False


@pytest.mark.parametrize("mode", ["own_sim", "twin_sim", "forwarded"])
def test_line_modes(mode):
    from agent.config import parse_config

    assert parse_config({"line": {"mode": mode}}).line.mode == mode


def test_unknown_line_mode_names_the_choices(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, '[line]\nmode = "twin"\n'))
    assert '[line] mode = \'twin\': expected one of "own_sim", "twin_sim", "forwarded"' in str(raised.value)
