#!/usr/bin/env bash
# Runs the engine's test suite as arm64 code under qemu user-mode emulation, so the NEON kernels
# (resize, JPEG IDCT and colour conversion) are exercised on every CI run, not only on Graviton.
#
# Idempotent: installs the cross linker, the arm64 glibc and qemu only when missing, and the Rust
# target only when rustup does not list it, so a fresh CI machine and a warm one run the same script.
#
# The Lambda crate is left out of the emulated run: its tests drive an embedded S3 server over
# loopback (slow under emulation and not architecture-specific), and building it for arm64 pulls
# in aws-lc-sys, a C build of its own. The crate's arm64 build is checked by .ci/build-zips.sh.
# Leaving it out changes no feature of the `downsize` crate: the Lambda depends on the engine with
# default features off, and the engine package (selected here) turns its defaults on anyway.
#
# Tests that measure a native process's memory under `prlimit --data` cannot run emulated (qemu's
# own JIT buffer does not fit under a 128 MB RLIMIT_DATA: "mprotect of jit buffer: Cannot allocate
# memory"), and a cross-built test cannot exec the cross-built CLI without binfmt_misc; those
# tests are architecture-neutral (limits are checked from headers) and run natively in CI, so they
# are skipped here by exact name.
#
# Usage: .ci/arm64.sh [args for the test binaries, e.g. --nocapture]
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/downsize-target}"

need_apt=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need_apt+=(gcc-aarch64-linux-gnu)
[ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] || need_apt+=(libc6-dev-arm64-cross)
command -v qemu-aarch64-static >/dev/null 2>&1 || need_apt+=(qemu-user-static)
if [ "${#need_apt[@]}" -gt 0 ]; then
    echo "arm64.sh: installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    rustup target add aarch64-unknown-linux-gnu
fi

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
# The tests run the code that ships: the Lambda zip is built for Neoverse N1 (Graviton2, the oldest
# core behind Lambda's arm64, so no Lambda host is excluded). Set here rather than in a repo-wide
# cargo config so that a user's own arm64 build (a Raspberry Pi 4 is a Cortex-A72, below N1) stays
# generic. The SIMD kernels pick NEON at run time either way. Never `target-cpu=native`.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS:--C target-cpu=neoverse-n1}"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64-static -L /usr/aarch64-linux-gnu"
# C code built by a build script (none in the engine today) must use the cross compiler too.
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar

native_only=(
    bombs_fail_cleanly_under_a_128_mb_memory_cap
    a_real_photo_fits_under_the_cap
    the_cap_is_enforced
)
skips=()
for name in "${native_only[@]}"; do skips+=(--skip "$name"); done

started=$(date +%s)
cargo test --workspace --exclude downsize-lambda --target aarch64-unknown-linux-gnu --no-fail-fast \
    -- --exact "${skips[@]}" "$@"
echo "arm64.sh: build and emulated tests took $(( $(date +%s) - started )) s"
