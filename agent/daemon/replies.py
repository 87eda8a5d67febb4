"""Acting on a whole received message, inside the transaction that stored it: opt-outs, automatic
answers (HELP, confirmations, the menu option's reply), marks (menu choice, urgent, callback), the
relay to the owner, and the owner's commands. What to do is agent.rules.replies;
this module only carries it out, so a PDU read twice is acted on once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agent.clock import parse_utc
from agent.errors import TemplateError
from agent.rules.keywords import owner_command
from agent.rules.numbers import pretty, to_e164
from agent.rules.menu import MenuOption
from agent.rules.replies import (HELP_ANSWER_EVERY, ReplyFacts, ReplyPlan, answers_allowed, owner_notes_allowed,
                                 plan_reply, relay_refusal, shorten_for_relay, without_pin)
from agent.rules.settings import Settings
from agent.rules.templates import DEFAULT_TEMPLATES, placeholder_values, render
from agent.rules.vocabulary import InKind, OutKind, Relay
from agent.store import Store, Transaction

__all__ = ["Replies", "Received", "PARTIAL_ANSWER", "USAGE", "MENU_RELAY", "URGENT_PREFIX"]

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
PARTIAL_ANSWER = "TextBack: part of your message never arrived, so nothing was sent. Please send it again."
USAGE = "TextBack: to answer #12 send R 12 <your answer>. To text any number send @07911123456 <text>."
NO_SUCH_MESSAGE = "TextBack: there is no customer message #{id}. Send R <number> <your answer>."
BAD_NUMBER = "TextBack: {number} is not a phone number I can text. Send @07911123456 <text>."
OPTED_OUT = "TextBack: {caller} has opted out (STOP); your answer was not sent."
NEEDS_PIN = "TextBack: commands need your SMS PIN first, e.g. <PIN> R 12 <your answer>. Nothing was sent."
MENU_RELAY = "#{ref} {caller} chose {key} {label}\nReply R {ref} <answer>"
URGENT_PREFIX = "URGENT "
OPTED_OUT_PREFIX = "OPTED OUT: "
ANSWER_KINDS = (OutKind.HELP, OutKind.OPTIN_CONFIRM, OutKind.OPTOUT_CONFIRM, OutKind.MENU_ANSWER)
STRANGER = ("TextBack: {number} has never called or texted this box, so nothing was sent. "
            "Text new customers from your own phone.")


@dataclass(frozen=True)
class Received:
    """A whole message just stored: its id and what the rules need to know."""
    id: int
    number: str
    body: str
    partial: bool
    carrier: bool


class Replies:
    def __init__(self, store: Store, unsaved_optouts: set[str]):
        self.store = store
        self.unsaved_optouts = unsaved_optouts

    def act(self, tx: Transaction, settings: Settings, sms: Received, now: datetime) -> None:
        plan = plan_reply(self._facts(settings, sms, now))
        if plan.kind == InKind.CARRIER:
            log.info("message %d from %s is carrier noise: stored, not relayed", sms.id, sms.number)
            return
        if plan.kind != InKind.SMS:
            self.store.set_inbound_kind(tx, sms.id, plan.kind)
        if plan.owner_partial:
            return self._tell_owner(tx, settings, sms, PARTIAL_ANSWER, now)
        if plan.owner_command:
            return self._owner(tx, settings, sms, now)
        self._carry_out(tx, settings, sms, plan, now)

    def _facts(self, settings: Settings, sms: Received, now: datetime) -> ReplyFacts:
        customer = not sms.carrier and sms.number != settings.owner_phone
        answered: frozenset[str] = frozenset()
        if customer and settings.menu_options:
            answered = self.store.menu_keys_answered(sms.number, self.store.latest_missed_call_at(sms.number))
        return ReplyFacts(number=sms.number, body=sms.body, partial=sms.partial, carrier=sms.carrier,
                          owner_phone=settings.owner_phone,
                          opted_out=not sms.carrier and self.store.is_opted_out(sms.number),
                          menu_options=settings.menu_options, urgent_words=settings.urgent_words,
                          menu_answered=answered,
                          help_answered=customer and self.store.texts_since(
                              (OutKind.HELP,), now - HELP_ANSWER_EVERY, sms.number) > 0)

    def _carry_out(self, tx: Transaction, settings: Settings, sms: Received, plan: ReplyPlan, now: datetime) -> None:
        if plan.menu is not None or plan.urgent:
            self.store.mark_reply(tx, message_id=sms.id, number=sms.number, now=now,
                                  menu_key=plan.menu.key if plan.menu else None,
                                  menu_label=plan.menu.label if plan.menu else None,
                                  urgent=plan.urgent, callback=plan.callback)
            log.info("message %d from %s:%s%s", sms.id, sms.number, " urgent" if plan.urgent else "",
                     f" chose {plan.menu.key} {plan.menu.label}" if plan.menu else "")
        answer = plan.answer
        if plan.optout:
            self.unsaved_optouts.discard(sms.number)       # the store has it now
            if not self.store.add_optout_in(tx, sms.number, now, sms.body.strip()[:40]):
                answer = None                              # opted out before: confirmed then
            else:
                log.info("%s opted out (message %d)", sms.number, sms.id)
        if plan.optin:
            self.store.remove_optout_in(tx, sms.number)
            self.unsaved_optouts.discard(sms.number)
            log.info("%s opted back in (message %d)", sms.number, sms.id)
        if answer is not None and self._answers_left(sms.number, now):
            body = (self._menu_answer(settings, plan.menu, now) if answer == OutKind.MENU_ANSWER
                    else self._render(settings, answer, now))
            if body:
                self.store.queue_linked(tx, number=sms.number, body=body, kind=answer, now=now, reply_to=sms.id)
        if plan.relay:
            self.relay(tx, settings, sms, now, urgent=plan.urgent, menu=plan.menu, opted_out=plan.optout)

    def _menu_answer(self, settings: Settings, option: MenuOption | None, now: datetime) -> str | None:
        if option is None:
            return None
        try:
            return render(option.reply, placeholder_values(settings, now, ZoneInfo(settings.timezone)))
        except TemplateError as error:
            log.error("menu option %s's reply cannot be filled (%s); not answered", option.key, error)
            return None

    def _answers_left(self, number: str, now: datetime) -> bool:
        sent = self.store.texts_since(ANSWER_KINDS, now - HOUR, number)
        if not answers_allowed(sent):
            log.warning("%s: %d automatic answers in the last hour; no more for now", number, sent)
            return False
        return True

    def _render(self, settings: Settings, name: str, now: datetime, **values) -> str:
        filled = placeholder_values(settings, now, ZoneInfo(settings.timezone), **values)
        try:
            return render(settings.templates.get(name, DEFAULT_TEMPLATES[name]), filled)
        except TemplateError as error:
            log.error("template %s cannot be filled (%s); using the default", name, error)
            return render(DEFAULT_TEMPLATES[name], filled)

    # ---- to and from the owner --------------------------------------------------------------------

    def relay(self, tx: Transaction, settings: Settings, sms: Received, now: datetime, *, urgent: bool = False,
              menu: MenuOption | None = None, opted_out: bool = False) -> None:
        """The reply to the owner's phone: "#12 07811 234567 chose 3 Call me back" for a menu choice,
        the owner_relay template otherwise; "URGENT " first when urgent (past the rate limits)."""
        refusal = relay_refusal(owner_phone=settings.owner_phone,
                                from_caller=self.store.relayed_since(now - HOUR, sms.number),
                                from_all=self.store.relayed_since(now - HOUR), urgent=urgent)
        if refusal is not None:
            relay, note = refusal
            if relay != Relay.NO_OWNER:
                log.warning("message %d from %s %s", sms.id, sms.number, note)
            self.store.set_relay(tx, sms.id, relay, note)
            return
        if menu is not None:
            body = MENU_RELAY.format(ref=sms.id, caller=pretty(sms.number, settings.country), key=menu.key,
                                     label=menu.label)
        else:
            called = self.store.latest_missed_call_at(sms.number)
            body = self._render(settings, OutKind.OWNER_RELAY, now, call_at=parse_utc(called) if called else None,
                                caller=sms.number, ref=sms.id, text=shorten_for_relay(sms.body))
            if not called:
                body = re.sub(r"\s*\((?:missed call\s*)?\)", "", body)   # "(missed call )" says nothing
        if urgent:
            body = URGENT_PREFIX + body
        if opted_out:       # a STOP in plain words: the owner sees it, and can undo a wrong reading
            body = OPTED_OUT_PREFIX + body
        self.store.queue_linked(tx, number=settings.owner_phone, body=body, kind=OutKind.OWNER_RELAY, now=now,
                                reply_to=sms.id)
        self.store.set_relay(tx, sms.id, Relay.RELAYED)
        log.info("message %d from %s relayed to the owner", sms.id, sms.number)

    def _owner(self, tx: Transaction, settings: Settings, sms: Received, now: datetime) -> None:
        body = without_pin(sms.body, settings.owner_sms_pin)
        if body is None:
            # anyone can fake the sender of an SMS: without the PIN, nothing is sent for it
            log.warning("message %d from the owner's number lacks the SMS PIN; no command run", sms.id)
            return self._tell_owner(tx, settings, sms, NEEDS_PIN, now)
        command = owner_command(body)
        if command is None:
            return self._tell_owner(tx, settings, sms, USAGE, now)
        if command.message_id is not None:
            target = self.store.inbound_message(command.message_id)
            if (target is None or target.kind in (InKind.CARRIER, InKind.OWNER)
                    or not target.number.startswith("+")):
                return self._tell_owner(tx, settings, sms, NO_SUCH_MESSAGE.format(id=command.message_id), now)
            number, reply_to = target.number, target.id
        else:
            number = to_e164(command.number or "", settings.country)
            if number is None or number == settings.owner_phone:
                return self._tell_owner(tx, settings, sms, BAD_NUMBER.format(number=command.number), now)
            if not self.store.has_conversation(number):
                # @number only reaches people the box already talks to: a spoofed "owner" cannot
                # make the shop's SIM text strangers
                shown = pretty(number, settings.country)
                return self._tell_owner(tx, settings, sms, STRANGER.format(number=shown), now)
            reply_to = self.store.latest_inbound_id(number)
        if self.store.is_opted_out(number):
            caller = pretty(number, settings.country)
            return self._tell_owner(tx, settings, sms, OPTED_OUT.format(caller=caller), now)
        self.store.queue_linked(tx, number=number, body=command.text, kind=OutKind.OWNER_ANSWER, now=now,
                                reply_to=reply_to)
        log.info("owner's answer (message %d) queued to %s", sms.id, number)

    def _tell_owner(self, tx: Transaction, settings: Settings, sms: Received, body: str, now: datetime) -> None:
        sent = self.store.texts_since((OutKind.OWNER_USAGE,), now - HOUR)
        if not owner_notes_allowed(sent):
            log.warning("owner's message %d not understood; usage already sent %d times this hour", sms.id, sent)
            return
        self.store.queue_linked(tx, number=settings.owner_phone, body=body, kind=OutKind.OWNER_USAGE, now=now,
                                reply_to=sms.id)
