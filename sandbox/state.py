"""The record of a built sandbox (``sandbox.json``): the options it was built with.

Written before anything is built, so ``down`` knows every name to clean even after a crash
halfway through ``up``; everything else (hosts, addresses, files) follows from the options.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from sandbox.errors import SandboxError
from sandbox.options import SandboxOptions
from sandbox.paths import StatePaths

VERSION = 1


def read(paths: StatePaths) -> SandboxOptions | None:
    """The options of the sandbox recorded in the state directory, or None if there is none."""
    try:
        text = paths.state_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        if data.get("version") != VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        options = SandboxOptions.model_validate(data["options"])
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise SandboxError(
            f"{paths.state_file} is not a sandbox record bob understands ({exc}); "
            "remove what it describes by hand"
        ) from exc
    if options.state_dir != paths.state_dir:
        # the directory was moved: the record's names still hold, its paths must follow
        options = options.model_copy(update={"state_dir": paths.state_dir})
    return options


def write(options: SandboxOptions) -> None:
    paths = StatePaths(options.state_dir)
    document = {"version": VERSION, "options": options.model_dump(mode="json")}
    paths.state_file.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
