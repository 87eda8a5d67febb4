#!/usr/bin/env bash
# Developer entry point, used by the README and by CI.
#   ./dev.sh demo   — install into .venv and run the simulated box (modem + agent + web)
#   ./dev.sh test   — install the test tools (and Debian's chromium) and run the whole suite
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "dev.sh: this step needs root: $*" >&2; return 1; fi
}

apt_install() {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_python() {
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "dev.sh: TextBack needs Python 3.11 or newer (found: $(python3 --version 2>&1))." >&2
    exit 1
  fi
}

ensure_venv() {
  ensure_python
  if [ ! -x "$VENV/bin/python" ]; then
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
      rm -rf "$VENV"
      echo "dev.sh: python3-venv is missing; installing it with apt." >&2
      apt_install python3-venv
      python3 -m venv "$VENV"
    fi
  fi
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "dev.sh: installing Debian's chromium for the browser tests." >&2
    apt_install chromium
  fi
}

cmd="${1:-}"
shift || true
case "$cmd" in
  demo)
    ensure_venv
    "$VENV/bin/pip" install -q -e .
    exec "$VENV/bin/textback" demo "$@"
    ;;
  test)
    ensure_venv
    "$VENV/bin/pip" install -q -e '.[test]'
    ensure_chromium
    echo "dev.sh: checking the layer contract (lint-imports, pyproject.toml [tool.importlinter])" >&2
    (cd "$(dirname "$0")" && "$VENV/bin/lint-imports" --no-cache) || { echo "dev.sh: the layer contract is broken (see above)." >&2; exit 1; }
    set +e
    # four workers (pytest-xdist), a test file to a worker (its module fixtures run once): most
    # tests wait on a pty modem, not on the CPU, so even a 2-core machine runs them side by side;
    # the soak starts first (tests/conftest.py). TEXTBACK_TEST_WORKERS=0 runs them one by one
    "$VENV/bin/python" -m pytest -n "${TEXTBACK_TEST_WORKERS:-4}" --dist loadscope "$@"
    rc=$?
    set -e
    if [ "$rc" = 5 ]; then
      echo "dev.sh: pytest collected no tests; that is a failure." >&2
      exit 1
    fi
    exit "$rc"
    ;;
  *)
    echo "usage: ./dev.sh demo | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
