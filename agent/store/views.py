"""Read queries behind the web UI's lists, pages and exports."""

from __future__ import annotations

__all__ = ["ViewQueries"]


class ViewQueries:
    """Mixed into Store."""
