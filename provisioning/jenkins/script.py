"""Render a Groovy template: the only way bob builds a script for a controller.

The template text is fixed. The one thing inserted is the base64 encoding of the validated
request's JSON, into a single-quoted Groovy string. Base64 has no quote, backslash, ``$`` or
newline, so no value can change the script's structure, however hostile.
"""

from __future__ import annotations

import base64
import json
import re
from enum import StrEnum
from functools import cache
from importlib import resources

from pydantic import BaseModel

PLACEHOLDER = "@@BOB_PARAMS@@"
RESULT_PREFIX = "BOB_RESULT "
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class Template(StrEnum):
    LIST_NODES = "list_nodes"
    ATTACH = "attach"
    DRAIN = "drain"
    UNDRAIN = "undrain"
    DETACH = "detach"


@cache
def template_text(template: Template) -> str:
    text = (resources.files(__package__) / "templates" / f"{template.value}.groovy").read_text(
        encoding="utf-8"
    )
    # Checked once per template: exactly one placeholder, inside single quotes.
    if text.count(PLACEHOLDER) != 1 or f"'{PLACEHOLDER}'" not in text:
        raise RuntimeError(f"template {template.value} must hold '{PLACEHOLDER}' exactly once")
    return text


def encode_params(params: BaseModel) -> str:
    payload = json.dumps(params.model_dump(mode="json"), sort_keys=True, ensure_ascii=True)
    return base64.b64encode(payload.encode("utf-8")).decode("ascii")


def render(template: Template, params: BaseModel) -> str:
    encoded = encode_params(params)
    # Defence in depth: b64encode cannot produce anything else, but the invariant is the point.
    if not _BASE64.fullmatch(encoded):
        raise AssertionError("parameter block is not base64")
    return template_text(template).replace(PLACEHOLDER, encoded)


def result_lines(output: str) -> list[str]:
    return [
        line[len(RESULT_PREFIX) :] for line in output.splitlines() if line.startswith(RESULT_PREFIX)
    ]
