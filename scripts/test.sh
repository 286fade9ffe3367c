#!/usr/bin/env bash
# Installs everything the tests need (a virtualenv, the package with its test extra, a
# redis-server) and runs every check: ruff lint, ruff format, mypy, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

bash scripts/ensure-redis.sh

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# Independent tests run in parallel, one worker per CPU (at most 4); `-n 0` runs them in one
# process. pytest exits 5 when it collects no test; set -e turns that into a failure too.
.venv/bin/pytest -n auto --maxprocesses 4 "$@"
