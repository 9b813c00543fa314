#!/usr/bin/env bash
# Installs, from Debian, what `npm run build:simd` needs: clang and wasm-ld (lld) to compile
# src/trainer/backend/simd/kernels.c, wasm-objdump (wabt) for its safety check. Only contributors
# who change kernels.c, and CI (which checks that the committed module is what the source
# compiles to), need them; users and `npm ci` do not. Idempotent.
set -euo pipefail
packages=(clang lld wabt)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
echo "simd toolchain: installing ${missing[*]}"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
