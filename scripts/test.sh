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
echo "== import contracts"
.venv/bin/lint-imports --no-cache
echo "== pytest"
# The suite's real peers were installed above: fail rather than skip when one is missing.
export BOB_REQUIRE_POSTGRES=1 BOB_REQUIRE_SSHD=1 BOB_REQUIRE_SANDBOX=1 BOB_REQUIRE_BIND=1 BOB_REQUIRE_GROOVY=1 BOB_REQUIRE_BROWSER=1
# The real Jenkins controller lives beside the checkout (not in it); the tests start it.
if [ -z "${BOB_TEST_JENKINS_HOME:-}" ] && [ -d ../shared/jenkins ]; then
  BOB_TEST_JENKINS_HOME="$(cd ../shared/jenkins && pwd)"
fi
export BOB_TEST_JENKINS_HOME="${BOB_TEST_JENKINS_HOME:-}" BOB_REQUIRE_JENKINS=1
status=0
# --durations: every run names its 15 slowest tests, so a creeping one is seen before CI outgrows its budget.
.venv/bin/pytest -q --durations=15 "$@" || status=$?
# pytest's 5 means "no tests collected": not a failure of the code under test.
if [ "$status" -eq 5 ]; then status=0; fi
if [ "$status" -ne 0 ]; then exit "$status"; fi

if [ "${CI:-}" = "true" ]; then
  # CI also runs the README's main-job command and follow-ups exactly as written (no state
  # variables: the sandbox keeps its own records), twice (it must be idempotent), then after a
  # `sandbox down` once more (which must make 3 real Bobs again), then removes what it made.
  echo "== smoke: bash scripts/demo.sh"
  unset BOB_CONFIG BOB_STATE_DIR BOB_DATABASE_URL
  cleanup() { .venv/bin/bob sandbox down >/dev/null || true; }
  trap cleanup EXIT
  bash scripts/demo.sh
  bash scripts/demo.sh | grep "3 Bobs exist already: nothing to create" >/dev/null
  test "$(.venv/bin/bob list | grep -c ' ready ')" -eq 3
  .venv/bin/bob reconcile >/dev/null
  .venv/bin/bob sandbox down >/dev/null
  bash scripts/demo.sh | grep "job .*: reserved bob001" >/dev/null
  test "$(.venv/bin/bob list | grep -c ' ready ')" -eq 3
  .venv/bin/bob reconcile >/dev/null
  echo "smoke: 3 Bobs ready, second run created nothing, after down 3 new ones, reconciled"
fi
