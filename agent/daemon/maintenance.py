"""Nightly upkeep: an online backup of the database (keep N) and the retention clean-up."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from agent.store import Store

__all__ = ["backup", "nightly", "backup_folder"]

log = logging.getLogger(__name__)


def backup_folder(database: str | Path) -> Path:
    return Path(database).resolve().parent / "backups"


def backup(store: Store, folder: Path, keep: int, now: datetime) -> Path | None:
    """Write textback-YYYYMMDD-HHMM.db into folder and keep only the newest `keep` backups."""
    if keep <= 0:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"textback-{now:%Y%m%d-%H%M}.db"
    partial = target.with_suffix(".partial")
    store.backup_to(partial)
    partial.replace(target)
    for old in sorted(folder.glob("textback-*.db"))[:-keep]:
        old.unlink()
    log.info("database backed up to %s", target)
    return target


def nightly(store: Store, database: str, keep: int, retention_days: int, now: datetime) -> None:
    backup(store, backup_folder(database), keep, now)
    if retention_days:
        calls, messages = store.delete_older_than(now - timedelta(days=retention_days))
        log.info("retention: removed %d calls and %d texts older than %d days", calls, messages, retention_days)
