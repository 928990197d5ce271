"""The locker job kinds, rebuilt from a job's stored params after a crash."""

from __future__ import annotations

from provisioning.jobs.registry import JobKinds
from provisioning.jobs.steps import JobDefinition
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
    def create(job: JobRecord) -> JobDefinition:
        locker = NewLocker.model_validate(job.params["locker"])
        return JobDefinition(steps=create_steps(pipeline, locker), on_resume="continue")

    def destroy(job: JobRecord) -> JobDefinition:
        locker = NewLocker.model_validate(job.params["locker"])
        return JobDefinition(steps=destroy_steps(pipeline, locker), on_resume="continue")

    def mount(job: JobRecord) -> JobDefinition:
        made = LockerMount.model_validate(job.params["mount"])
        return JobDefinition(steps=mount_steps(pipeline, made), on_resume="continue")

    def unmount(job: JobRecord) -> JobDefinition:
        made = LockerMount.model_validate(job.params["mount"])
        return JobDefinition(steps=unmount_steps(pipeline, made), on_resume="continue")

    kinds.register(LOCKER_CREATE, create)
    kinds.register(LOCKER_DESTROY, destroy)
    kinds.register(LOCKER_MOUNT, mount)
    kinds.register(LOCKER_UNMOUNT, unmount)
