#!/usr/bin/env bash
# Builds the deployable Lambda packages: dist/arm64/bootstrap.zip and dist/x86_64/bootstrap.zip,
# each holding one executable `bootstrap` at its root, as the `provided.al2023` runtime expects.
#
# - cargo-lambda links with zig against an old glibc, so the binaries start on Amazon Linux 2023
#   (glibc 2.34) whatever glibc the build machine has; .ci/check-glibc.sh then proves it.
# - The arm64 build is tuned for Neoverse N1 (Graviton2, the oldest Lambda arm64 core), set below.
# - The zips are written by this script with fixed timestamps and modes, so the same binary always
#   gives the same zip; `sha256sum dist/*/bootstrap.zip` identifies a build.
# - Release profile from the workspace Cargo.toml (fat LTO, one codegen unit, stripped,
#   panic=unwind so one bad record cannot take the whole batch down).
#
# Usage: .ci/build-zips.sh [arm64|x86_64]...   (default: both). About 10 minutes per architecture
# on a 2-core machine from cold; CARGO_TARGET_DIR defaults to /var/tmp/downsize-target.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/downsize-target}"

# Pinned so that the linker (zig, shipped inside the ziglang wheel cargo-lambda depends on) and
# the glibc it links against do not change between builds.
cargo_lambda_version=1.9.2
if [ "$(cargo lambda --version 2>/dev/null | awk '{print $2}')" != "$cargo_lambda_version" ]; then
    pip install --quiet "cargo-lambda==$cargo_lambda_version"
fi

arches=("$@")
[ "${#arches[@]}" -gt 0 ] || arches=(arm64 x86_64)

for arch in "${arches[@]}"; do
    case "$arch" in
        arm64) triple=aarch64-unknown-linux-gnu flag=--arm64
            export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS:--C target-cpu=neoverse-n1}" ;;
        x86_64) triple=x86_64-unknown-linux-gnu flag=--x86-64 ;;
        *) echo "build-zips: unknown architecture '$arch' (arm64, x86_64)" >&2; exit 2 ;;
    esac
    rustup target list --installed | grep -qx "$triple" || rustup target add "$triple"
    started=$(date +%s)
    # cargo-lambda takes no --target-dir: CARGO_TARGET_DIR places the build, --lambda-dir the binary.
    cargo lambda build --release --workspace --bin bootstrap "$flag" \
        --output-format binary --lambda-dir "$CARGO_TARGET_DIR/lambda-$arch"
    bin="$CARGO_TARGET_DIR/lambda-$arch/bootstrap/bootstrap"
    mkdir -p "dist/$arch"
    python3 - "$bin" "dist/$arch/bootstrap.zip" <<'PY'
import sys, zipfile
binary, out = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
info.create_system = 3  # Unix, so the mode below is honoured
info.external_attr = (0o100755 & 0xFFFF) << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as f, zipfile.ZipFile(out, "w") as z:
    z.writestr(info, f.read(), compresslevel=9)
PY
    "$root/.ci/check-glibc.sh" "dist/$arch/bootstrap.zip"
    printf 'build-zips: dist/%s/bootstrap.zip: %s bytes (binary %s bytes), sha256 %s, built in %s s\n' \
        "$arch" "$(stat -c %s "dist/$arch/bootstrap.zip")" "$(stat -c %s "$bin")" \
        "$(sha256sum "dist/$arch/bootstrap.zip" | cut -d' ' -f1)" "$(( $(date +%s) - started ))"
done
