"""The simulated modem for tests and `textback demo`: a modem that speaks AT over a real pty.

modem.py is the AT engine, families.py what each family prints, pdus.py SMS PDUs built
independently of agent/sms (so our decoder is tested against another encoder).
"""

from agent.simulator.modem import MC_TOTAL, SentSms, SimulatedModem, Submitted, TextModeSend

__all__ = ["SimulatedModem", "SentSms", "Submitted", "TextModeSend", "MC_TOTAL"]
