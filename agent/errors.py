"""The named errors of TextBack. Each carries a sentence a person can act on."""

__all__ = [
    "TextBackError",
    "ConfigError",
    "ModemError",
    "ModemTimeout",
    "ModemGone",
    "CommandError",
    "SimPinRequired",
    "TemplateError",
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
