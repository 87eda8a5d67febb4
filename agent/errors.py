"""The named errors of TextBack. Each carries a sentence a person can act on."""

__all__ = [
    "TextBackError",
    "ConfigError",
    "ModemError",
    "ModemTimeout",
    "ModemGone",
    "ModemResetFound",
    "CommandError",
    "SimPinRequired",
    "TemplateError",
    "StorageError",
]


class TextBackError(Exception):
    """Root of every error TextBack raises on purpose."""


class ConfigError(TextBackError):
    """config.toml is missing, unreadable or holds a bad value."""


class ModemError(TextBackError):
    """Something went wrong talking to the modem.

    `after_pdu` is True when the error struck after an SMS PDU was written to the modem: the
    text may have gone out, so it must not be resent automatically.
    """

    after_pdu: bool = False


class ModemTimeout(ModemError):
    """The modem did not answer a command in time."""


class ModemResetFound(ModemError):
    """The modem was found with factory settings (it reset by itself): set it up again."""


class ModemGone(ModemError):
    """The serial port vanished or cannot be opened (unplugged, USB reset)."""


class CommandError(ModemError):
    """The modem answered ERROR, +CME ERROR or +CMS ERROR."""

    def __init__(self, command: str, kind: str, code: int | None, text: str = ""):
        self.command = command
        self.kind = kind  # "ERROR", "CME" or "CMS"
        self.code = code
        self.text = text
        where = f"{kind} ERROR {code}" if code is not None else "ERROR"
        super().__init__(f"{command}: {where}{' (' + text + ')' if text else ''}")


class SimPinRequired(ModemError):
    """The SIM wants a PIN (or PUK) that config.toml does not give, or gave wrong."""

    pin_rejected: bool = False


class TemplateError(TextBackError):
    """A message template cannot be used (unknown placeholder, too long)."""


class StorageError(TextBackError):
    """SQLite could not take a write: the database is locked by another process, the disk is full,
    or the card failed. What had to be written is kept in memory and written again later."""

    kind: str = "io"      # "locked", "full" or "io"

    def __init__(self, kind: str, detail: str):
        self.kind = kind
        self.detail = detail
        words = {"locked": "the database is locked by another program",
                 "full": "the disk is full", "io": "the database could not be written"}[kind]
        super().__init__(f"{words} ({detail})")
