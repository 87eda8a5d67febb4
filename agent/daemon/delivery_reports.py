"""Delivery reports (SMS-STATUS-REPORT, 23.040 §9.2.2.3): matched to our text by recipient and
TP-MR; a text is delivered when every part is, and a final failure keeps its reason."""

from __future__ import annotations

import logging
from datetime import datetime

from agent.rules.numbers import to_e164
from agent.sms.pdu import StatusReport
from agent.store import Store

__all__ = ["DeliveryReports", "report_meaning"]

log = logging.getLogger(__name__)

# TP-ST values (3GPP TS 23.040 9.2.3.15); 0x6x are the 0x2x reasons after the network gave up.
_REPORT_REASONS = {
    0x20: "network congestion", 0x21: "the phone was busy", 0x22: "no answer from the phone",
    0x23: "service rejected", 0x24: "quality of service not available", 0x25: "error in the receiving phone",
    0x40: "remote procedure error", 0x41: "incompatible destination", 0x42: "the phone refused it",
    0x43: "number not reachable", 0x44: "quality of service not available", 0x45: "no interworking available",
    0x46: "it expired before the phone could take it", 0x47: "deleted by the sender",
    0x48: "deleted by the network", 0x49: "the network has no such text",
}


def report_meaning(status: int) -> str:
    """A failed delivery report's status as the owner reads it."""
    reason = _REPORT_REASONS.get(status) or _REPORT_REASONS.get(status - 0x40) or "network error"
    return f"not delivered: {reason} (status {status:#04x})"


class DeliveryReports:
    def __init__(self, store: Store):
        self.store = store

    def receive(self, report: StatusReport, pdu_hex: str, now: datetime) -> None:
        settings = self.store.load_settings()
        recipient = to_e164(report.recipient, settings.country) or report.recipient
        with self.store.transaction() as tx:
            sent = self.store.match_report(recipient, report.message_ref)
            new = self.store.add_report(tx, message_id=sent.id if sent else None, message_ref=report.message_ref,
                                        recipient=recipient, status=report.status, delivered=report.delivered,
                                        final=report.final, discharged_at=report.discharged_at, pdu=pdu_hex,
                                        now=now)
            if not new:
                return
            if sent is None:
                log.info("delivery report for %s (ref %d) matches no text of ours", recipient, report.message_ref)
                return
            if report.delivered:
                if len(sent.refs) >= sent.parts and set(sent.refs) <= self.store.delivered_refs(sent.id):
                    self.store.mark_delivered(tx, sent.id, report.discharged_at)
                    log.info("text %d delivered", sent.id)
            elif report.final:
                self.store.mark_undelivered(tx, sent.id, report.status, report_meaning(report.status))
                log.warning("text %d %s", sent.id, report_meaning(report.status))
