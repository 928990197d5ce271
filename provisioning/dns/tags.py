"""The TXT tag bob writes beside every record it creates, so a reconciler can tell owners apart.

The tag sits at the same owner name as the A or PTR record (``bob job=<job id> name=<bob>``):
it travels with the record in every zone transfer, needs no second name (which would make the
PTR owner's parent exist in ways the "name does not exist" prerequisite would have to reason
about), and lets ``release`` delete exactly bob's own TXT record while leaving any hand-made
TXT at the same name alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from provisioning.config.models import LABEL_RE
from provisioning.dns.port import ZoneRecord
from provisioning.errors import UsageError

JOB_ID_RE = r"[A-Za-z0-9._-]{1,64}"
_TAG_RE = re.compile(rf"bob job=({JOB_ID_RE}) name=({LABEL_RE[1:-1]})")


@dataclass(frozen=True)
class Tag:
    job_id: str
    name: str

    def text(self) -> str:
        return f"bob job={self.job_id} name={self.name}"


def make_tag(job_id: str, name: str) -> Tag:
    """The tag for ``name`` created by ``job_id``; both must be plain tokens (no spaces, quotes)."""
    tag = Tag(job_id=job_id, name=name)
    if parse_tag(tag.text()) != tag:
        raise UsageError(f"cannot tag {name!r} for job {job_id!r}: not a host label and a job id")
    return tag


def parse_tag(text: str) -> Tag | None:
    """The tag in one TXT string, or None when the TXT record is not one of bob's."""
    match = _TAG_RE.fullmatch(text)
    return Tag(job_id=match.group(1), name=match.group(2)) if match else None


def tagged_owners(records: Iterable[ZoneRecord]) -> dict[str, list[Tag]]:
    """bob's tags by owner name, from a zone transfer: what a reconciler compares with the store.

    A record at an owner with no tag is not bob's; a tag whose job or Bob the store does not
    know marks an orphan.
    """
    owners: dict[str, list[Tag]] = {}
    for record in records:
        tag = parse_tag(record.data) if record.type == "TXT" else None
        if tag is not None:
            owners.setdefault(record.name, []).append(tag)
    return owners
