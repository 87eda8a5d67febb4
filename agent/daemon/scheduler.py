"""Timed jobs (APScheduler): follow-up planning every minute, backup and retention every night.

Jobs only read and write SQLite; the agent loop sends what they queue. Nothing they decide lives
only in memory, so a restart loses nothing.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from agent.clock import Clock
from agent.config import Config
from agent.daemon.followup import plan_followups
from agent.daemon.maintenance import nightly
from agent.store import Store

__all__ = ["start_jobs"]

log = logging.getLogger(__name__)


def start_jobs(config: Config, store: Store, clock: Clock, followup_every: float = 60.0) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=config.business.timezone)
    scheduler.add_job(plan_followups, "interval", seconds=followup_every, args=(store, clock), id="followups",
                      max_instances=1, coalesce=True)
    scheduler.add_job(lambda: nightly(store, config.storage.database, config.storage.backup_keep,
                                      config.storage.retention_days, clock.now()),
                      CronTrigger(hour=3, minute=30, timezone=config.business.timezone), id="nightly",
                      max_instances=1, coalesce=True, misfire_grace_time=6 * 3600)
    scheduler.start()
    return scheduler
