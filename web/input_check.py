"""Text fields never carry a NUL character: refused with 400 naming the field, before any view runs.

SQLite, the modem and the owner's phone would each treat a NUL differently (a C string ends at
it); no person types one. The path and query string are checked as well as the form.
"""

from __future__ import annotations

from flask import abort, request

__all__ = ["refuse_nul"]


def refuse_nul() -> None:
    if "\x00" in request.path:
        abort(400, description="The address contains a NUL character, which TextBack never accepts.")
    fields = list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH"):
        fields += list(request.form.items(multi=True))
    for name, value in fields:
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\0")[:40]
            abort(400, description=f'The field "{shown}" contains a NUL character, which TextBack never accepts. '
                                   "Type the text again without it.")
