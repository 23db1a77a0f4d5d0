# Sourced by scripts/run, scripts/test and bench/run: defines bootstrap_venv, which makes
# .venv hold the project (with the given extras) and what it needs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bootstrap_venv() {
  local extras=${1:-}
  local python=${PYTHON:-python3}
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  local stamp=.venv/.installed${extras:+-$extras}
  if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
    touch "$stamp"
  fi
}
