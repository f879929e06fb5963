#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 and install the project (with its dev extra) into it.
# Idempotent: re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidates=()
    [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
    candidates+=(python3.14 python3.13 python3.12)
    if command -v pyenv >/dev/null 2>&1; then
        local root; root=$(pyenv root 2>/dev/null || true)
        if [ -n "$root" ] && [ -d "$root/versions" ]; then
            # newest first; pyenv's own shims fail without PYENV_VERSION, so use the real binaries
            for d in $(ls -1 "$root/versions" | sort -t. -k1,1nr -k2,2nr -k3,3nr); do
                candidates+=("$root/versions/$d/bin/python3")
            done
        fi
    fi
    candidates+=(python3 python)
    for c in "${candidates[@]}"; do
        if "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
            echo "$c"; return 0
        fi
    done
    return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    if ! PY=$(find_python); then
        cat >&2 <<'MSG'
error: linkages-sim needs Python >= 3.12 (Mesa 3.5 requires it), and none was found.
Looked at: $PYTHON, python3.14, python3.13, python3.12, every pyenv version, python3, python.
Install one, for example:
  - pyenv:   pyenv install 3.12 && PYTHON="$(pyenv root)/versions/3.12.*/bin/python3" make run
  - Debian:  apt-get install python3.12 python3.12-venv   (Debian 13 / Ubuntu 24.04 and later)
  - uv:      uv python install 3.12
then run the same command again, or point PYTHON at the interpreter: PYTHON=/path/to/python3.12 make run
MSG
        exit 1
    fi
    echo "Creating .venv with $($PY -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    rm -rf .venv
    "$PY" -m venv .venv
fi

stamp=.venv/.linkages-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    touch "$stamp"
fi
