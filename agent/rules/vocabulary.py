"""The words the database uses for messages and calls, in one place.

Each is a StrEnum: a value compares equal to its string, so SQL parameters, templates and JSON
take it as it is. The schema enforces the same sets with CHECK constraints, generated from these
classes (agent/store/schema.py); a value added here needs a migration that rebuilds the checks,
and tests/unit/test_vocabulary.py fails until it has one.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Direction", "OutKind", "InKind", "OutStatus", "InStatus", "CallOutcome", "SkipReason", "Relay",
           "Outcome", "TEXT_KINDS", "LIVE_STATUSES", "SENT_STATUSES"]


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class OutKind(StrEnum):
    """Why a text went out."""
    MISSED_OPEN = "missed_open"          # the missed-call text, shop open (or no hours set)
    MISSED_CLOSED = "missed_closed"      # the missed-call text, shop closed
    FOLLOWUP = "followup"                # [rules] followup_hours after a text with no reply
    OPTOUT_CONFIRM = "optout_confirm"    # the one answer to a STOP
    OPTIN_CONFIRM = "optin_confirm"      # the answer to START from an opted-out number
    HELP = "help"                        # the answer to HELP / INFO
    OWNER_RELAY = "owner_relay"          # a customer's reply, relayed to the owner's phone
    OWNER_USAGE = "owner_usage"          # to the owner: how to answer, or why a command failed
    OWNER_ANSWER = "owner_answer"        # the owner's answer by SMS (R 12 … / @number …), to a customer
    OWNER_ALERT = "owner_alert"          # to the owner: the box could not hear calls, the SIM is full
    REPLY = "reply"                      # typed by the owner in the web inbox
    MENU_ANSWER = "menu_answer"          # the reply of the menu option a caller chose ("1", "Book")


class InKind(StrEnum):
    """What a received message turned out to be."""
    SMS = "sms"                          # a customer's words
    STOP = "stop"
    START = "start"
    HELP = "help"
    OWNER = "owner"                      # from the owner's phone: a command
    CARRIER = "carrier"                  # alphanumeric sender or short code: balance, promos
    HISTORY = "history"                  # older than [storage] import_max_age_hours: kept, never acted on
    MMS = "mms"                          # a picture message notice
    NONTEXT = "nontext"                  # data, indications, silent type-0


class OutStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"                  # committed before AT+CMGS is written
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    AMBIGUOUS = "ambiguous"              # interrupted mid-send: may have gone out, never resent blindly
    CANCELLED = "cancelled"
    STALE = "stale"                      # fell due while the box was off, too long ago


class InStatus(StrEnum):
    RECEIVED = "received"
    PARTIAL = "partial"                  # a multipart message with parts that never came


class CallOutcome(StrEnum):
    PENDING = "pending"
    TEXTED = "texted"
    SKIPPED = "skipped"


class SkipReason(StrEnum):
    """Why a call was not texted (the owner's words are policy.SKIP_REASONS)."""
    WITHHELD = "withheld"
    INVALID = "invalid"
    OWNER = "owner"
    EXCLUDED = "excluded"
    OPTED_OUT = "opted_out"
    LANDLINE = "landline"
    PREMIUM_RATE = "premium_rate"
    TOLL_FREE = "toll_free"
    SHARED_COST = "shared_cost"
    VOIP = "voip"
    PERSONAL_NUMBER = "personal_number"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    UNKNOWN = "unknown"
    RECENTLY_TEXTED = "recently_texted"
    ANSWERED = "answered"
    SUPERSEDED = "superseded"
    STALE = "stale"


class Relay(StrEnum):
    """What became of a customer's reply."""
    RELAYED = "relayed"
    NO_OWNER = "no_owner"
    LIMIT_CALLER = "limit_caller"
    LIMIT_ALL = "limit_all"


class Outcome(StrEnum):
    """What the owner says a conversation came to (conversation_marks.outcome)."""
    BOOKED = "booked"                    # a missed call recovered: work booked, a sale made
    LOST = "lost"
    SPAM = "spam"                        # the number goes on the never-text list


TEXT_KINDS = (OutKind.MISSED_OPEN, OutKind.MISSED_CLOSED)
LIVE_STATUSES = (OutStatus.QUEUED, OutStatus.SENDING, OutStatus.SENT, OutStatus.DELIVERED, OutStatus.AMBIGUOUS)
SENT_STATUSES = (OutStatus.SENT, OutStatus.DELIVERED)
