"""A tiny HTML builder that escapes every value it did not build itself.

``html("<b>{}</b>", name)`` escapes ``name``; a value that is already :class:`Html` (built by
``html`` or ``join``) is inserted as is. There is no other way to put text into a page, so
nothing a user, a host or a controller wrote can become markup.

The escaping is the standard library's ``html.escape`` (``& < > " '``, so attribute values
are safe too); only the already-safe marker type is ours, which is all ``markupsafe.Markup``
would add, as one more dependency.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape


class Html(str):
    """Markup that is safe to insert: built only by :func:`html` and :func:`join`."""

    __slots__ = ()


def esc(value: object) -> Html:
    return value if isinstance(value, Html) else Html(escape(str(value), quote=True))


def html(template: str, *values: object) -> Html:
    """``template`` is trusted markup with ``{}`` holes; every value is escaped into them."""
    return Html(template.format(*(esc(v) for v in values)))


def join(parts: Iterable[Html], separator: str = "") -> Html:
    return Html(separator.join(esc(p) for p in parts))


def attrs(**values: object) -> Html:
    """Attributes from keywords (``data_lane`` → ``data-lane``); False and None leave one out."""
    out = []
    for key, value in values.items():
        name = key.rstrip("_").replace("_", "-")
        if value is True:
            out.append(html(" {}", name))
        elif value not in (False, None):
            out.append(html(' {}="{}"', name, value))
    return join(out)
