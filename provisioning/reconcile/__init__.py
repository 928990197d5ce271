"""The reconciler: read every system's truth, say where it disagrees with bob's records, repair.

model.py          what was read (Truth) and what disagrees (Finding, with the repair it allows)
scan.py           one SSH round trip per host: containers, their owner marks, clone marks
gather.py         reads the store, the hosts, the DNS zones (AXFR) and every Jenkins controller
compare.py        pure: Truth → findings, and the rules every finding obeys
context.py        pure: what the comparisons share (live and interrupted jobs, unread systems)
compare_hosts.py  pure: containers, clone marks, Bob records, reservations, base versions
compare_peers.py  pure: DNS zones and Jenkins nodes
repair.py         carries out one finding's repair
"""
