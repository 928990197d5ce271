#!/usr/bin/env bash
# bob's main job on the embedded defaults: no config file, no Slack token, SQLite state.
# Brings up the local sandbox fleet (network-namespace hosts with sshd and LXC), makes sure
# 3 Bobs exist, and shows them. Safe to run again: it only creates what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh needs root (network namespaces, LXC)" >&2
  exit 2
fi
# bob's records of the sandbox live in the sandbox's own directory (its config says so), where
# every later command finds them and `sandbox down` removes them. A variable pointing bob
# elsewhere would make the commands printed below read other records than the demo wrote.
for var in BOB_CONFIG BOB_STATE_DIR BOB_DATABASE_URL; do
  if [ -n "${!var:-}" ]; then
    echo "demo.sh runs bob on the sandbox's own config and records; $var is set: unset it first" >&2
    exit 2
  fi
done
bash scripts/install.sh
.venv/bin/bob sandbox up
.venv/bin/bob create 3 --ensure
.venv/bin/bob list
cat <<'NEXT'

Next, each command as printed:
  .venv/bin/bob jobs
  .venv/bin/bob reconcile
  .venv/bin/bob destroy bob001 --yes
  .venv/bin/bob sandbox down
NEXT
