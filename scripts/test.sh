#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, lint, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
# The suite needs the real PostgreSQL installed above: fail rather than skip without it.
export BOB_REQUIRE_POSTGRES=1
status=0
.venv/bin/pytest -q "$@" || status=$?
# pytest's 5 means "no tests collected": not a failure of the code under test.
if [ "$status" -eq 5 ]; then status=0; fi
exit "$status"
