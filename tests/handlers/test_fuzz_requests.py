"""Whatever a user types, a request is either valid or refused with one UsageError — and a
valid one holds nothing a shell or a Groovy script could read as syntax."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.requests import (
    AttachBobs,
    CreateBobs,
    DestroyBobs,
    DetachBobs,
    DrainHost,
    ListBobs,
    PlanCreate,
    ShowJob,
    build,
)
from provisioning.errors import UsageError

HOSTILE = st.sampled_from(
    ["", "'", '"', "${x}", "$(id)", "`id`", "'''", "\\", "\n", ";rm -rf /", "a b", "-h", "\x00"]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=30), HOSTILE.flatmap(lambda h: st.just(f"bob{h}1")))
VALUE = st.one_of(TEXT, st.integers(), st.floats(), st.none(), st.lists(TEXT, max_size=3))
REQUESTS = [
    (CreateBobs, ["count", "host"]),
    (PlanCreate, ["count", "host"]),
    (DestroyBobs, ["names"]),
    (ListBobs, ["host"]),
    (ShowJob, ["job_id"]),
    (AttachBobs, ["count", "controller", "label"]),
    (DetachBobs, ["names", "wait"]),
    (DrainHost, ["host", "reason"]),
]
# What may reach a shell argv or a script parameter: names, labels, hex ids, numbers.
PLAIN = re.compile(r"^[A-Za-z0-9_.-]*$")


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(REQUESTS), st.data())
def test_any_input_builds_a_request_or_one_usage_error(request_spec, data):
    kind, fields = request_spec
    values = {f: data.draw(VALUE, label=f) for f in fields}

    try:
        request = build(kind, **values)
    except UsageError as refused:
        said = str(refused)
        request = None
    if request is None:
        assert "\n" not in said.split(" (got ")[0]  # one line, whatever was typed
        return
    for name, value in request.model_dump().items():
        if name == "reason":
            continue  # free text for people, never put into a command
        for item in value if isinstance(value, tuple | list) else [value]:
            assert item is None or PLAIN.match(str(item)), (name, item)
