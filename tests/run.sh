#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with Python 3.11+:
# installs Chromium (Debian's package) if it is missing, installs paper-digest with its
# test extras into .venv (a regular, non-editable install), then runs pytest.
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k browser`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  $sudo apt-get install -y -q chromium
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check ".[test]"

# Run the installed command and package, as a user would (pytest, not `python -m
# pytest`, so the source folder does not shadow the installed package).
export PATH="$PWD/.venv/bin:$PATH"
exec .venv/bin/pytest "$@"
