"""[menu] options and [urgent] words: parsed from config.toml, every mistake named, stored as settings."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from agent.config import load_config, parse_config
from agent.errors import ConfigError
from agent.rules.menu import MenuOption, parse_menu_options, squeeze
from agent.store import Store
from tests.conftest import make_config

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
BOOK = {"key": "1", "label": "Book", "reply": "{business}: great! Which day suits you? We'll confirm by text."}
CALL_ME = {"key": "3", "label": "Call me back", "reply": "{business}: we'll call you back as soon as we're free."}

TOML = '''
[menu]
options = [
  { key = "1", label = "Book", reply = "{business}: great! Which day suits you? We'll confirm by text." },
  { key = "3", label = "Call me back", reply = "{business}: we'll call you back as soon as we're free." },
]

[urgent]
words = ["URGENT", "Leak"]
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_the_issue_example_reads_as_options_in_order(tmp_path):
    config = load_config(write(tmp_path, TOML))
    assert config.menu.options == (MenuOption(**BOOK), MenuOption(**CALL_ME))
    assert config.urgent.words == ("URGENT", "Leak")


def test_defaults_no_menu_and_two_urgent_words():
    config = parse_config({})
    assert config.menu.options == ()
    assert config.urgent.words == ("URGENT", "EMERGENCY")


def test_values_are_trimmed():
    [option] = parse_menu_options([{"key": " 2 ", "label": " Question ", "reply": " Ask away. "}])
    assert option == MenuOption(key="2", label="Question", reply="Ask away.")


@pytest.mark.parametrize("options, needle", [
    ("nope", "expected a list of options"),
    ([BOOK, CALL_ME, {**BOOK, "key": "4", "label": "a"}, {**BOOK, "key": "5", "label": "b"},
      {**BOOK, "key": "6", "label": "c"}, {**BOOK, "key": "7", "label": "d"}], "at most 5 options, got 6"),
    (["1"], 'option 1: expected { key = "1", label = "Book", reply = "…" }'),
    ([{"key": "1", "label": "Book"}], "option 1 (key \"1\"): reply must be a non-empty string"),
    ([{**BOOK, "reply": "   "}], "option 1 (key \"1\"): reply must be a non-empty string"),
    ([{**BOOK, "label": ""}], "option 1 (key \"1\"): label must be a non-empty string"),
    ([{**BOOK, "key": 1}], "option 1: key must be a non-empty string in quotes"),
    ([BOOK, {**CALL_ME, "key": "123"}], "option 2 (key \"123\"): key '123' must be 1 to 2 letters or digits"),
    ([{**BOOK, "key": "1."}], "key '1.' must be 1 to 2 letters or digits"),
    ([{**BOOK, "label": "Book an appointment now"}], "label 'Book an appointment now' is 23 characters; at most 20"),
    ([{**BOOK, "label": "!!"}], "label '!!' needs a letter or a digit"),
    ([{**BOOK, "label": "Cancel"}], "label 'Cancel' reads as the keyword STOP"),
    ([{**BOOK, "label": "Help"}], "label 'Help' reads as the keyword HELP"),
    ([{**BOOK, "tag": "booking"}], "option 1 (key \"1\"): unknown field 'tag' (an option has key, label and reply)"),
    ([{**BOOK, "reply": "{bussiness}: yes"}],
     "option 1 (key \"1\"): reply: unknown placeholder '{bussiness}' (did you mean '{business}'?)"),
    ([{**BOOK, "reply": "See you {tomorrow"}], "option 1 (key \"1\"): reply: the \"{\" at character 9 is not closed"),
    ([{**BOOK, "reply": "x" * 500}], "option 1 (key \"1\"): reply: too long"),
    ([BOOK, {**CALL_ME, "key": "1"}], "option 2 (key \"1\"): key '1' is already the key of option 1 (key \"1\")"),
    ([BOOK, {**CALL_ME, "label": "book!"}],
     "option 2 (key \"3\"): label 'book!' is already the label of option 1 (key \"1\")"),
    ([BOOK, {**CALL_ME, "label": "1"}], "option 2 (key \"3\"): label '1' is already the key of option 1 (key \"1\")"),
    ([{**BOOK, "key": "b"}, {**CALL_ME, "key": "B"}], "option 2 (key \"B\"): key 'B' is already the key of option 1"),
])
def test_mistakes_are_named(options, needle):
    with pytest.raises(ValueError) as raised:
        parse_menu_options(options)
    assert needle in str(raised.value)


def test_a_label_may_repeat_its_own_key():
    assert parse_menu_options([{**BOOK, "label": "1"}])[0].label == "1"


def test_a_bad_option_in_the_file_names_file_section_and_option(tmp_path):
    text = TOML.replace('key = "3"', 'key = "1"')
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message == (f"{path}: [menu] options: option 2 (key \"1\"): key '1' is already the key of option 1 "
                       "(key \"1\")")


@pytest.mark.parametrize("words, needle", [
    ("URGENT", "expected a list of words"),
    ([""], "word 1: expected a non-empty word in quotes"),
    ([3], "word 1: expected a non-empty word in quotes, got 3"),
    (["URGENT", "call me"], "word 2: 'call me' must be one word of letters or digits"),
    (["ASAP!"], "word 1: 'ASAP!' must be one word"),
    (["URGENT", "urgent"], "word 2: 'urgent' is listed twice"),
    (["x" * 31], "at most 30"),
])
def test_bad_urgent_words_are_named(tmp_path, words, needle):
    with pytest.raises(ConfigError) as raised:
        parse_config({"urgent": {"words": words}}, source="shop.toml")
    assert str(raised.value).startswith(f"shop.toml: [urgent] words = {words!r}: ")
    assert needle in str(raised.value)


def test_no_urgent_words_turns_triage_off():
    assert parse_config({"urgent": {"words": []}}).urgent.words == ()


def test_squeeze_ignores_case_punctuation_and_spacing():
    assert squeeze("  Call-me   BACK!! ") == "call me back" == squeeze("call me back")


def test_menu_and_urgent_words_are_seeded_and_stored_as_settings(tmp_path):
    config = make_config(tmp_path, menu={"options": [BOOK, CALL_ME]}, urgent={"words": ["SOS"]})
    store = Store.open(config.storage.database)
    try:
        store.seed_settings(config, NOW)
        settings = store.load_settings()
        assert settings.menu_options == (MenuOption(**BOOK), MenuOption(**CALL_ME))
        assert settings.urgent_words == ("SOS",)
        # as the web UI will save them: the dataclasses themselves, or plain values
        store.set_setting("menu_options", (MenuOption(key="9", label="Quote", reply="{business}: a quote!"),), NOW)
        store.set_setting("urgent_words", ["URGENT", "FLOOD"], NOW)
        settings = store.load_settings()
        assert settings.menu_options == (MenuOption(key="9", label="Quote", reply="{business}: a quote!"),)
        assert settings.urgent_words == ("URGENT", "FLOOD")
        store.seed_settings(config, NOW)          # same file again: what the owner saved stays
        assert store.load_settings().urgent_words == ("URGENT", "FLOOD")
    finally:
        store.close()


def test_the_commented_example_in_config_toml_is_valid(tmp_path):
    shipped = (Path(__file__).resolve().parents[2] / "config.toml").read_text()
    lines = []
    for line in shipped.splitlines():
        if line == "options = []":
            continue
        if line.startswith(("# options = [", "#   {", "# ]")):
            line = line[2:]
        lines.append(line)
    config = load_config(write(tmp_path, "\n".join(lines)))
    assert [option.key for option in config.menu.options] == ["1", "2", "3"]
