"""The create and destroy pipelines: LXC work on physical hosts as journaled, undoable steps."""
