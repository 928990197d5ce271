"""Whether a database's schema is at the newest migration, without importing Alembic.

Alembic costs about a second of CPU to import, and a store at the newest revision (every open
but the first after an upgrade) has nothing for it to do. The newest revision is read from the
migration files themselves, so a new migration needs no change here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, inspect, text

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_REVISION = re.compile(r"^revision = \"([^\"]+)\"$", re.MULTILINE)
_DOWN = re.compile(r"^down_revision = (?:\"([^\"]+)\"|None)$", re.MULTILINE)


@cache
def head_revision() -> str:
    """The revision no other migration revises: Alembic's single head."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in VERSIONS.glob("[0-9]*.py"):
        source = path.read_text()
        found, down = _REVISION.search(source), _DOWN.search(source)
        if found is None or down is None:
            raise RuntimeError(f'{path.name}: no `revision = "…"` / `down_revision` line')
        revisions.add(found.group(1))
        if down.group(1):
            revised.add(down.group(1))
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have one head, found {sorted(heads)}")
    return heads.pop()


def at_head(connection: Connection) -> bool:
    """True when the database records exactly the newest revision (nothing to migrate)."""
    if not inspect(connection).has_table("alembic_version"):
        return False
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(rows) == [head_revision()]
