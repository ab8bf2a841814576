#!/usr/bin/env bash
# Set up the course in ./.venv and run the main job: execute every SOLUTION notebook
# (answers included) on its defaults, writing executed copies (with outputs and plots) to
# ./executed-solutions/.
#
#   bash setup.sh              set up, then run the solution notebooks end to end
#   bash setup.sh --setup-only set up only (what CI does before the tests; what a student
#                              who wants to solve the exercises should run)
#
# Torch: a CPU build is preferred. If torch is already importable (Colab ships it) it is
# left alone; else a wheel already on this machine's disk is used where pip is configured
# with one; else PyTorch's CPU-only index; else plain PyPI.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
TORCH_SPEC="torch>=2.2,<3"

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip

if "$PY" -c "import torch" 2>/dev/null; then
    echo "==> torch $("$PY" -c 'import torch; print(torch.__version__)') already installed"
else
    echo "==> installing torch (CPU build where one is at hand)"
    "$PY" -m pip install --quiet --no-index --no-deps "$TORCH_SPEC" 2>/dev/null \
        || "$PY" -m pip install --quiet --index-url https://download.pytorch.org/whl/cpu "$TORCH_SPEC" \
        || "$PY" -m pip install --quiet "$TORCH_SPEC"
fi

echo "==> installing the course package and its test tools"
"$PY" -m pip install --quiet -e ".[course,dev]"

echo "==> the grader's sandbox (bubblewrap)"
if command -v bwrap >/dev/null 2>&1; then
    echo "==> bubblewrap $(bwrap --version | awk '{print $2}') already installed"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null) \
        || echo "==> could not install bubblewrap; grading will say how to get it"
else
    echo "==> bubblewrap is missing: grading a class needs it (sudo apt-get install bubblewrap)"
fi

echo "==> the browser test's tools (Debian's chromium, playwright)"
bash scripts/install-browser.sh "$VENV" \
    || echo "==> the browser test will be skipped (reason above); everything else works"

if [ "${1:-}" = "--setup-only" ]; then
    echo "==> set up; run the tests with: .venv/bin/python -m pytest"
    exit 0
fi

echo "==> running the SOLUTION notebooks end to end; the executed copies, with every answer,"
echo "    go to executed-solutions/ (to solve the exercises yourself, work in notebooks/)"
"$PY" -m autograder run-course --out executed-solutions
