#!/usr/bin/env bash
# bob's main job on the embedded defaults: no config, no Slack token, SQLite state.
# Until provisioning lands this plans the Bobs it would create (the planner is real).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
export BOB_STATE_DIR="${BOB_STATE_DIR:-$PWD/.state}"
.venv/bin/bob plan create 3
.venv/bin/bob list
