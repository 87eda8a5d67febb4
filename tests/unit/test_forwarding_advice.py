"""agent.rules.forwarding: the owner's words for what the box's SIM forwards, and the state the
agent records for the status page."""

from __future__ import annotations

from agent.rules.forwarding import (ForwardingRule, forwarding_advice, rules_from_state, rules_to_state)


def test_nothing_forwarded_is_one_ok_line():
    [advice] = forwarding_advice([ForwardingRule(reason, False) for reason in range(4)])
    assert advice.verdict == "ok" and "every call rings the box" in advice.found


def test_voicemail_on_no_answer_says_where_after_how_long_and_the_code():
    [advice] = forwarding_advice([ForwardingRule(2, True, "+447953222222", 20), ForwardingRule(0, False)])
    assert advice.verdict == "warn" and "+447953222222 after 20 s" in advice.found and "##61#" in advice.fix


def test_all_calls_forwarded_fails_and_what_could_not_be_told_is_said():
    advice = forwarding_advice([ForwardingRule(0, True, "+447700900999"), ForwardingRule(3, None, why="no network")])
    assert [a.verdict for a in advice] == ["fail", "warn"]
    assert "##21#" in advice[0].fix and "when unreachable (no network)" in advice[1].found


def test_the_state_round_trip_and_junk():
    rules = (ForwardingRule(2, True, "+447953222222", 20), ForwardingRule(1, None, why="ERROR"))
    assert rules_from_state(rules_to_state(rules)) == rules
    assert rules_from_state("junk") == () and rules_from_state([{"reason": 9}, {"x": 1}]) == ()
