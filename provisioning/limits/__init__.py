"""Live cgroup limits of running Bobs: ``bob limit BOB… memory=2G cpu_shares=512 cpuset=0-1``.

    keys       what a user may write (``memory``, ``cpu_shares``, ``cpuset``) and its checks
    files      a cgroup file's value read back, compared, shown (pure)
    lxcconf    the Bob's LXC config lines that keep limits across a restart (pure)
    probe      one SSH round trip per Bob: state, config, live values, usage, host CPUs
    judge      whether a host can honour requested limits, before anything changes (pure)
    steps      the journaled job: set live, persist in the config; undo restores both

The translation to cgroup files is :func:`provisioning.lxc.cgroups.settings`, the one a new
Bob's config is written with, so ``create`` and ``limit`` never disagree about a key.
"""
