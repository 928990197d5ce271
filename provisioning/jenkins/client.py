"""The adapter of the Jenkins controller port (:mod:`.port`): python-jenkins + the script console.

Every operation is one fixed template (see :mod:`provisioning.jenkins.script`) run through
``/scriptText``. python-jenkins is blocking, so calls go through ``asyncio.to_thread``; each
operation uses a fresh client: the token is read from the environment at that moment (so a
rotated token is picked up), and no crumb or session is shared between threads.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from provisioning.config.models import JenkinsController as ControllerConfig
from provisioning.jenkins import _transport
from provisioning.jenkins.errors import (
    JenkinsCredentialsMissing,
    JenkinsPluginMissing,
    JenkinsScriptError,
    NodeConflict,
    NodeNotManaged,
)
from provisioning.jenkins.models import (
    AttachResult,
    AttachSpec,
    DetachResult,
    DrainResult,
    DrainSpec,
    JenkinsNode,
    ListResult,
    ListSpec,
    NodeRef,
    UndrainResult,
    validated,
)
from provisioning.jenkins.script import Template, render, result_lines

log = logging.getLogger("bob.jenkins")

R = TypeVar("R", bound=BaseModel)


class ScriptConsoleController:
    """The Jenkins controller port (:mod:`.port`) on a real controller's script console."""

    def __init__(self, config: ControllerConfig, env: Mapping[str, str] | None = None) -> None:
        self._config = config
        self._env = os.environ if env is None else env

    @property
    def name(self) -> str:
        return self._config.name

    async def list_nodes(self) -> list[JenkinsNode]:
        result = await self._run(Template.LIST_NODES, ListSpec(), ListResult)
        return list(result.nodes)

    async def attach(self, spec: AttachSpec) -> AttachResult:
        result = await self._run(Template.ATTACH, spec, AttachResult)
        if result.status == "conflict":
            if "managed" in result.differences:
                raise NodeNotManaged(self.name, spec.name)
            detail = ", ".join(
                f"{key}: wanted {d.expected!r}, has {d.actual!r}"
                for key, d in sorted(result.differences.items())
            )
            raise NodeConflict(self.name, spec.name, detail)
        if result.status == "error":
            if result.kind == "missing-plugin":
                raise JenkinsPluginMissing(
                    self.name, f"cannot attach {spec.name}", result.message or ""
                )
            raise JenkinsScriptError(self.name, f"attach {spec.name}", result.message or "")
        log.info(
            "jenkins.attach",
            extra={"controller": self.name, "node": spec.name, "status": result.status},
        )
        return result

    async def drain(self, name: str, reason: str) -> DrainResult:
        spec = validated(DrainSpec, name=name, reason=reason)
        result = await self._run(Template.DRAIN, spec, DrainResult)
        if result.status == "not-managed":
            raise NodeNotManaged(self.name, name)
        return result

    async def undrain(self, name: str) -> UndrainResult:
        spec = validated(NodeRef, name=name)
        result = await self._run(Template.UNDRAIN, spec, UndrainResult)
        if result.status == "not-managed":
            raise NodeNotManaged(self.name, name)
        return result

    async def detach(self, name: str) -> DetachResult:
        spec = validated(NodeRef, name=name)
        result = await self._run(Template.DETACH, spec, DetachResult)
        if result.status == "not-managed":
            raise NodeNotManaged(self.name, name)
        return result

    async def _run(self, template: Template, params: BaseModel, result_type: type[R]) -> R:
        script = render(template, params)  # before anything else: a bad request costs nothing
        secret = self._secret()
        output = await asyncio.to_thread(self._run_blocking, script, secret)
        return self._parse(template, output, result_type)

    def _run_blocking(self, script: str, secret: str) -> str:
        cfg = self._config
        console = _transport.ScriptConsole(cfg.name, cfg.url, cfg.user, secret, cfg.timeout)
        console.whoami()  # authenticate (and fetch the crumb) before anything else
        return console.run_script(script)

    def _secret(self) -> str:
        secret = self._env.get(self._config.token_env)
        if not secret:
            raise JenkinsCredentialsMissing(self.name, self._config.token_env)
        return secret

    def _parse(self, template: Template, output: str, result_type: type[R]) -> R:
        lines = result_lines(output)
        if len(lines) != 1:
            raise JenkinsScriptError(
                self.name,
                f"{template.value} printed {len(lines)} result lines, expected 1",
                _transport.first_line(output),
            )
        try:
            return result_type.model_validate_json(lines[0])
        except ValidationError as exc:
            raise JenkinsScriptError(
                self.name, f"{template.value} printed an unexpected result", lines[0][:300]
            ) from exc
