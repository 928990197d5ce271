"""Running commands on the physical hosts.

:mod:`.shell` is the port (what the rest of bob codes against), :mod:`.ssh` the asyncssh
adapter, :mod:`.errors` what either raises. Nothing is imported here so that code depending
only on the port never pulls in asyncssh.
"""
