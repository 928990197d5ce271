"""Validation errors told the operator's way: one line per problem, at the place as the
operator names it (``host-a/disk1.max_bobs``, ``subnet 10.250.1.0/24.gateway``), in bob's
words rather than the validation library's.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from provisioning.config.problems import Loc, Problems

# A list item is named by the field that identifies it, so a message points at what the
# operator wrote: a host by its name, a subnet by its network.
ITEM_NAMES: Mapping[str, tuple[str, str]] = {
    "hosts": ("name", "{}"),
    "subnets": ("cidr", "subnet {}"),
    "jenkins": ("name", "jenkins {}"),
}

# What a pattern asks for, where the pattern itself would say little to an operator.
PATTERN_WORDS: Mapping[str, str] = {
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$": (
        "must be a lower-case hostname label: letters, digits and '-', not at either end"
    ),
    r"^[A-Z_][A-Z0-9_]*$": "must be an environment variable's name (A-Z, 0-9, _)",
}


def describe(exc: ValidationError, model: type[BaseModel], data: object, source: str) -> str:
    """Every problem in ``exc`` on its own line: ``source: place: what is wrong``."""
    return "\n".join(dict.fromkeys(tell(problems(exc, model), model, data, source)))


def tell(
    found: Iterable[tuple[Loc, str]], model: type[BaseModel], data: object, source: str
) -> list[str]:
    """``source: place: message`` for each problem (``source: message`` at the top level)."""
    lines = []
    for loc, message in found:
        where = place(loc, model, data)
        lines.append(f"{source}: {where}: {message}" if where else f"{source}: {message}")
    return lines


def problems(exc: ValidationError, model: type[BaseModel]) -> Iterator[tuple[Loc, str]]:
    errors = exc.errors()
    failed_items = {
        tuple(e["loc"][:i]) for e in errors for i, p in enumerate(e["loc"]) if isinstance(p, int)
    }
    for err in errors:
        if err["type"] == "too_short" and tuple(err["loc"]) in failed_items:
            continue  # the list is not short: its items failed, and each says why
        found = err.get("ctx", {}).get("error")
        if isinstance(found, Problems):
            for sub, message in found.problems:
                yield tuple(err["loc"]) + sub, message
        else:
            yield tuple(err["loc"]), wording(err, model)


def wording(err: ErrorDetails, model: type[BaseModel]) -> str:
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "extra_forbidden":
        return unknown_field(tuple(err["loc"]), model)
    if kind == "missing":
        return "required, but not set"
    message = _said(kind, ctx) or _plain(err["msg"])
    if kind == "union_tag_invalid" or isinstance(value, dict | list):
        return message
    if _may_hold_a_secret(tuple(err["loc"])):
        # where a variable's name belongs, a pasted secret is the likely mistake
        return f"{message} (the value is not shown)"
    return f"{message} (got {value!r})"


def _may_hold_a_secret(loc: Loc) -> bool:
    field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    return field.endswith("_env") or any(w in field for w in ("secret", "token", "password"))


def unknown_field(loc: Loc, model: type[BaseModel]) -> str:
    known = fields_at(loc[:-1], model)
    if not known:
        return "unknown field"
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    if close:
        return f'unknown field; did you mean "{close[0]}"?'
    return f"unknown field; known here: {', '.join(known)}"


def _said(kind: str, ctx: Mapping[str, Any]) -> str | None:
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind in ("string_type",):
        return "must be text"
    if kind in ("tuple_type", "list_type"):
        return "must be a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping (key: value)"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if kind == "greater_than":
        return f"must be more than {ctx['gt']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    if kind == "less_than":
        return f"must be less than {ctx['lt']}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx["pattern"])
        return PATTERN_WORDS.get(pattern, f"must match {pattern}")
    if kind == "string_too_short":
        n = ctx["min_length"]
        return "must not be empty" if n == 1 else f"must be at least {n} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind == "too_short":
        n = ctx["min_length"]
        return f"needs at least {n} item{'s' if n != 1 else ''}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    if kind == "union_tag_invalid":
        return (
            f"{ctx['discriminator'].strip(chr(39))} {ctx['tag']!r} is not one bob knows; "
            f"choose one of {ctx['expected_tags']}"
        )
    if kind == "union_tag_not_found":
        return f"needs {ctx['discriminator'].strip(chr(39))}"
    if kind == "ip_v4_address":
        return "must be an IPv4 address"
    if kind == "ip_v4_network":
        return "must be an IPv4 network with nothing after the prefix, e.g. 10.250.1.0/24"
    return None


def _plain(message: str) -> str:
    """The library's message, reworded where it speaks of itself."""
    message = message.removeprefix("Value error, ")
    return message.replace("Input should be", "must be").replace("Input is", "is")


def place(loc: Loc, model: type[BaseModel], data: object) -> str:
    """``hosts.0.disks.1.max_bobs`` as ``host-a/disk2.max_bobs``; a list item without a
    name is counted from 1 (``reserved[2]``). The top level is the empty string."""
    segments: list[str] = []
    value: object = data
    for part, is_tag, _ in _walk(loc, model):
        if is_tag:  # a storage backend or a base source kind: not a key the operator wrote
            continue
        if isinstance(part, str):
            value = value.get(part) if isinstance(value, dict) else None
            segments.append(part)
            continue
        value = value[part] if isinstance(value, list) and 0 <= part < len(value) else None
        field = segments.pop() if segments else ""
        name = (
            value.get(ITEM_NAMES.get(field, ("name", ""))[0]) if isinstance(value, dict) else None
        )
        if field == "disks" and segments and isinstance(name, str):
            segments[-1] += f"/{name}"
        elif field in ITEM_NAMES and isinstance(name, str | int | float):
            segments.append(ITEM_NAMES[field][1].format(name))
        else:
            segments.append(f"{field}[{part + 1}]")
    return ".".join(segments)


def fields_at(loc: Loc, model: type[BaseModel]) -> list[str]:
    """The field names of the model at ``loc`` (tags of tagged unions included in loc)."""
    target: object = model
    for _, _, reached in _walk(loc, model):
        target = reached
    found = _as_model(_unwrap(target))
    if found is None:
        members = _union_members(_unwrap(target)) or ()
        found = next((m for m in map(_as_model, members) if m is not None), None)
    return list(found.model_fields) if found else []


def _walk(loc: Loc, model: type[BaseModel]) -> list[tuple[str | int, bool, object]]:
    """Each part of ``loc``, whether it is a tagged union's tag rather than a key the
    operator wrote, and the type it leads to."""
    steps: list[tuple[str | int, bool, object]] = []
    current: object = model
    for part in loc:
        current, is_tag = _step(current, part)
        steps.append((part, is_tag, current))
    return steps


def _step(current: object, part: str | int) -> tuple[object, bool]:
    current = _unwrap(current)
    members = _union_members(current)
    if members is not None:
        for member in members:
            found = _as_model(member)
            if found is not None and isinstance(part, str) and part in _tags(found):
                return found, True
        current = next((m for m in members if m is not type(None)), None)
        current = _unwrap(current)
    found = _as_model(current)
    if found is not None and isinstance(part, str) and part in found.model_fields:
        return found.model_fields[part].annotation, False
    origin, args = typing.get_origin(current), typing.get_args(current)
    if origin is tuple and args:
        return args[0], False
    if origin is dict and len(args) == 2:
        return args[1], False
    return None, False


def _unwrap(current: object) -> object:
    while typing.get_origin(current) is typing.Annotated:
        current = typing.get_args(current)[0]
    return current


def _union_members(current: object) -> tuple[object, ...] | None:
    if typing.get_origin(current) in (typing.Union, types.UnionType):
        return tuple(_unwrap(m) for m in typing.get_args(current))
    return None


def _as_model(current: object) -> type[BaseModel] | None:
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _tags(model: type[BaseModel]) -> set[str]:
    tags: set[str] = set()
    for field in model.model_fields.values():
        if typing.get_origin(field.annotation) is typing.Literal and field.default is not None:
            tags.add(str(field.default))
    return tags
