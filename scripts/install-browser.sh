#!/usr/bin/env bash
# Set up what the browser test (tests/test_browser.py, marker `browser`) needs:
#   - Debian's chromium at /usr/bin/chromium (apt-get; only when it is missing and we are
#     root or have password-less sudo). Playwright's own browser downloads are never used.
#   - the `playwright` Python package in the course's virtual environment.
#
#   bash scripts/install-browser.sh [VENV]     (default: $VENV, else the repository's .venv)
#
# Idempotent: what is already there is left alone. Exits non-zero with a message saying
# why when something cannot be installed; the browser test then skips with a reason.
set -euo pipefail

VENV=${1:-${VENV:-}}
if [ -n "$VENV" ] && [ -d "$VENV" ]; then VENV=$(cd "$VENV" && pwd); fi  # as given, from here
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}  # the default is the repository's .venv
PLAYWRIGHT_SPEC="playwright>=1.40,<2"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

fail() { echo "install-browser: $*" >&2; exit 1; }

# --- chromium -------------------------------------------------------------------------
if [ -x "$CHROMIUM" ]; then
    echo "==> chromium present: $("$CHROMIUM" --version 2>/dev/null | tail -n 1)"
else
    if [ "$(id -u)" = "0" ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        fail "$CHROMIUM is missing and we are neither root nor have password-less sudo; install Debian's 'chromium' package (apt-get install chromium) to run the browser test"
    fi
    command -v apt-get >/dev/null 2>&1 \
        || fail "$CHROMIUM is missing and there is no apt-get here; install a chromium at $CHROMIUM (or set CHROMIUM=/path/to/chromium)"
    echo "==> installing Debian's chromium with apt-get"
    $SUDO apt-get update -qq \
        || fail "apt-get update failed (no access to the Debian mirrors?)"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
        || fail "apt-get install chromium failed"
    [ -x "$CHROMIUM" ] || fail "apt-get installed chromium but $CHROMIUM is still missing"
    echo "==> chromium installed: $("$CHROMIUM" --version 2>/dev/null | tail -n 1)"
fi

# --- playwright (Python package only; no browser download) ----------------------------
[ -x "$VENV/bin/python" ] \
    || fail "no virtual environment at $VENV (run 'bash setup.sh --setup-only' first, or pass its path)"
PY="$VENV/bin/python"
if "$PY" -c "import playwright.sync_api" 2>/dev/null; then
    echo "==> playwright $("$PY" -m pip show playwright 2>/dev/null | sed -n 's/^Version: //p') already installed"
else
    echo "==> installing $PLAYWRIGHT_SPEC into $VENV"
    "$PY" -m pip install --quiet "$PLAYWRIGHT_SPEC" \
        || fail "pip could not install '$PLAYWRIGHT_SPEC' into $VENV"
    "$PY" -c "import playwright.sync_api" \
        || fail "playwright was installed but does not import"
fi
echo "==> browser test ready: $PY -m pytest -m browser"
