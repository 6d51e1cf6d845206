#!/usr/bin/env bash
# Fails if any BINARY needs a glibc symbol version newer than the Lambda runtime has.
#
# `provided.al2023` ships glibc 2.34: a binary that asks for GLIBC_2.35 or later links on the
# build machine and then dies at start-up on Lambda with "version `GLIBC_2.xx' not found", an
# INIT failure that no test on the build machine shows. readelf reads the version-needs table of
# an ELF file of any architecture, so one check covers the arm64 and the x86_64 bootstrap.
#
# Usage: .ci/check-glibc.sh BINARY... (also accepts bootstrap.zip files: the bootstrap inside is
# checked). MAX_GLIBC overrides the floor (default 2.34).
set -euo pipefail

max="${MAX_GLIBC:-2.34}"
if [ "$#" -eq 0 ]; then
    echo "usage: $0 BINARY_OR_ZIP..." >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# True if version $1 is newer than version $2.
newer() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -1)" = "$1" ]; }

status=0
n=0
for arg in "$@"; do
    bin="$arg"
    if [[ "$arg" == *.zip ]]; then
        n=$((n + 1))
        mkdir "$tmp/$n"
        python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("bootstrap", sys.argv[2])' "$arg" "$tmp/$n"
        bin="$tmp/$n/bootstrap"
    fi
    if ! readelf -h "$bin" >/dev/null 2>&1; then
        echo "check-glibc: $arg: not an ELF file" >&2
        status=1
        continue
    fi
    machine=$(readelf -h "$bin" | sed -n 's/^ *Machine: *//p')
    needed=$(readelf -V --wide "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV || true)
    if [ -z "$needed" ]; then
        echo "check-glibc: $arg ($machine): needs no versioned glibc symbol"
        continue
    fi
    newest=$(tail -1 <<<"$needed")
    if newer "$newest" "$max"; then
        too_new=$(while read -r v; do newer "$v" "$max" && printf 'GLIBC_%s ' "$v"; done <<<"$needed")
        echo "check-glibc: $arg ($machine): needs ${too_new}newer than GLIBC_$max" >&2
        echo "  symbols: $(readelf --dyn-syms --wide "$bin" | grep -oE '[A-Za-z0-9_]+@GLIBC_[0-9.]+' | sort -u | while read -r s; do newer "${s##*@GLIBC_}" "$max" && printf '%s ' "$s"; done)" >&2
        status=1
    else
        echo "check-glibc: $arg ($machine): newest GLIBC_$newest <= GLIBC_$max"
    fi
done
exit "$status"
