"""The locker job kinds, rebuilt from a job's stored params after a crash."""

from __future__ import annotations

from collections.abc import Callable

from provisioning.jobs.registry import JobFactory, JobKinds
from provisioning.jobs.steps import JobDefinition, Step
from provisioning.lockers.steps import (
    LockerMount,
    NewLocker,
    create_steps,
    destroy_steps,
    mount_steps,
    unmount_steps,
)
from provisioning.pipeline.context import Pipeline
from provisioning.records import JobRecord

LOCKER_CREATE = "locker-create"
LOCKER_DESTROY = "locker-destroy"
LOCKER_MOUNT = "locker-mount"
LOCKER_UNMOUNT = "locker-unmount"


def register(kinds: JobKinds, pipeline: Pipeline) -> None:
    def of_locker(steps: Callable[[Pipeline, NewLocker], list[Step]]) -> JobFactory:
        def define(job: JobRecord) -> JobDefinition:
            locker = NewLocker.model_validate(job.params["locker"])
            return JobDefinition(steps=steps(pipeline, locker), on_resume="continue")

        return define

    def of_mount(steps: Callable[[Pipeline, LockerMount], list[Step]]) -> JobFactory:
        def define(job: JobRecord) -> JobDefinition:
            mount = LockerMount.model_validate(job.params["mount"])
            return JobDefinition(steps=steps(pipeline, mount), on_resume="continue")

        return define

    kinds.register(LOCKER_CREATE, of_locker(create_steps))
    kinds.register(LOCKER_DESTROY, of_locker(destroy_steps))
    kinds.register(LOCKER_MOUNT, of_mount(mount_steps))
    kinds.register(LOCKER_UNMOUNT, of_mount(unmount_steps))
