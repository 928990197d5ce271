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
bash scripts/install.sh
export BOB_STATE_DIR="${BOB_STATE_DIR:-$PWD/.state}"
.venv/bin/bob sandbox up
.venv/bin/bob create 3 --ensure
.venv/bin/bob list
echo
echo "Next: .venv/bin/bob jobs | .venv/bin/bob destroy NAME... --yes | .venv/bin/bob sandbox down"
