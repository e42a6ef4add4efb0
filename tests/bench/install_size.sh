#!/usr/bin/env bash
# Install size and time of sitegen from each checkout given, in a fresh venv each, no pip
# cache, one after the other in the same run: `bash tests/bench/install_size.sh BEFORE AFTER`.
# Prints, per checkout: wall seconds of `pip install --no-cache-dir .` and the size of the
# venv's site-packages in MB (du -sk / 1024), plus the installed distributions.
set -euo pipefail
for checkout in "$@"; do
    venv="$(mktemp -d)/venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --no-cache-dir --upgrade pip >/dev/null 2>&1 || true
    start=$(date +%s.%N)
    (cd "$checkout" && "$venv/bin/pip" install -q --no-cache-dir . >/dev/null)
    end=$(date +%s.%N)
    site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    printf '%s (%s): install %.1f s, site-packages %.1f MB\n' "$checkout" \
        "$(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?')" \
        "$(echo "$end - $start" | bc)" "$(echo "$(du -sk "$site" | cut -f1) / 1024" | bc -l)"
    "$venv/bin/pip" list --format=freeze 2>/dev/null | tr '\n' ' '
    echo
    (cd / && "$venv/bin/python" -c 'import sitegen.cli, sitegen.pagefile.frontedit' && echo "installed sitegen imports")
    rm -rf "$(dirname "$venv")"
done
