"""What staging needs of the store besides the fleet's records."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from provisioning.staging.records import StageEnv


@runtime_checkable
class StageStore(Protocol):
    async def stage_envs(self) -> list[StageEnv]: ...

    async def stage_env(self, pr: int) -> StageEnv | None: ...

    async def put_stage_env(self, env: StageEnv) -> None: ...

    async def change_stage_env(self, pr: int, **fields: Any) -> StageEnv | None: ...

    async def delete_stage_env(self, pr: int) -> bool: ...
