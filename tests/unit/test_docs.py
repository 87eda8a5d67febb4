"""Docs as a contract: every CLI command is in the README, every config key in the reference."""

from __future__ import annotations

from pathlib import Path

from agent.cli import main
from agent.config import SCHEMA

ROOT = Path(__file__).resolve().parents[2]


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in main.commands:
        assert f"`textback {name}" in readme, f"README does not mention textback {name}"


def test_every_config_key_is_in_the_reference():
    reference = (ROOT / "docs" / "configuration.md").read_text()
    for section, keys in SCHEMA.items():
        assert f"## [{section}]" in reference
        for key in keys:
            assert f"| `{key}` |" in reference, f"docs/configuration.md lacks [{section}] {key}"


def test_readme_opens_with_the_two_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    commands = [line.split("#")[0].strip() for line in lines[2:6] if line.startswith("./")]
    assert commands == ["./dev.sh demo", "./dev.sh test"]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
    assert "./dev.sh test" in ci          # CI runs the README's test command as written


def test_docs_name_no_missing_files():
    readme = (ROOT / "README.md").read_text()
    for target in ("docs/performance.md", "docs/install.md", "docs/configuration.md", "docs/modems.md",
                   "docs/decisions.md", "docs/conversations.md", "docs/reliability.md"):
        if target in readme:
            assert (ROOT / target).exists(), f"README links {target}, which does not exist"
