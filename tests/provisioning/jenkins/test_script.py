"""No user text in a script: hostile values are rejected, accepted ones travel only as base64."""

from __future__ import annotations

import base64
import json
import re

import pytest

from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.errors import JenkinsRequestInvalid
from provisioning.jenkins.models import AttachSpec, DrainSpec, NodeMeta, SshLauncher, validated
from provisioning.jenkins.script import PLACEHOLDER, Template, render, template_text
from tests.jenkins_double import JenkinsDouble
from tests.provisioning.jenkins.conftest import ssh_spec

HOSTILE = [
    "bob'001",
    'bob"001',
    "bob${System.exit(0)}",
    "'''+Jenkins.instance.doSafeExit()+'''",
    '"""',
    "bob\\001",
    "bob001\nJenkins.instance.doSafeExit()",
    "bob 001",
    "",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("field", ["name", "label"])
def test_hostile_names_and_labels_are_rejected_before_any_script(field: str, value: str) -> None:
    values = {"name": "bob001", "label": "heavy", field: value}
    with pytest.raises(JenkinsRequestInvalid, match=field):
        validated(
            AttachSpec,
            **values,
            executors=1,
            launcher=SshLauncher(host="bob001.bob.test", credentials_id="key"),
            meta=NodeMeta(bob="bob001", controller="ci-main", label="heavy"),
        )


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_names_never_reach_the_controller(
    double: JenkinsDouble, jenkins: ScriptConsoleController, value: str
) -> None:
    with pytest.raises(JenkinsRequestInvalid):
        await jenkins.drain(value, "reason")
    with pytest.raises(JenkinsRequestInvalid):
        await jenkins.detach(value)
    assert [] == double.requests


@pytest.mark.parametrize(
    ("field", "value"),
    [("host", "bob001.bob.test;rm -rf /"), ("credentials_id", "key'+x+'"), ("host", "a${b}")],
)
def test_hostile_launcher_values_are_rejected(field: str, value: str) -> None:
    values = {"host": "bob001.bob.test", "credentials_id": "key", field: value}
    with pytest.raises(JenkinsRequestInvalid, match=field):
        validated(SshLauncher, **values)


REASON = "it's \"done\" ${x} ''' \"\"\" \\ \n println('pwned')"


async def test_an_accepted_free_text_value_appears_only_as_base64(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    await jenkins.attach(ssh_spec("bob001"))

    result = await jenkins.drain("bob001", REASON)

    assert REASON == result.reason  # it arrived intact …
    sent = double.scripts[-1]
    for fragment in ("it's", '"done"', "${x}", "pwned", "'''", '"""'):
        assert fragment not in sent  # … and no part of it was in the script's text


@pytest.mark.parametrize("template", list(Template))
def test_a_rendered_script_is_the_template_with_only_base64_inserted(template: Template) -> None:
    spec = DrainSpec(name="bob001", reason=REASON)

    script = render(template, spec)

    prefix, suffix = template_text(template).split(PLACEHOLDER)
    block = script[len(prefix) : len(script) - len(suffix)]
    assert script.startswith(prefix)
    assert script.endswith(suffix)
    assert re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", block)
    assert spec.model_dump() == json.loads(base64.b64decode(block))


@pytest.mark.parametrize("template", list(Template))
def test_templates_have_a_header_one_result_line_and_no_top_level_return(
    template: Template,
) -> None:
    text = template_text(template)

    assert text.startswith(f"// bob-template: {template.value}\n")
    assert 1 == text.count("println('BOB_RESULT ' + ")
    top_level = [line for line in text.splitlines() if line.startswith("return")]
    assert [] == top_level
