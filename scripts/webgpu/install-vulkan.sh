#!/usr/bin/env bash
# The WebGPU tests (npm run test:webgpu) train through Dawn on Mesa's software Vulkan driver
# (lavapipe, "llvmpipe"), so that CI runs the real GPU code path on a machine without a GPU.
# Dawn refuses Debian 12's own Mesa 22.3 ("shaderUniform*ArrayDynamicIndexing required"); the
# Mesa 25 of bookworm-backports works. Installs it from the Debian registry when it is missing;
# elsewhere (another distribution, or a Vulkan driver already there) it only checks.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 && dpkg --compare-versions "$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0)" ge 25; then
  echo "webgpu install: Mesa's Vulkan driver $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) is there"
  exit 0
fi
if ! grep -qs 'bookworm' /etc/os-release; then
  echo "webgpu install: not Debian 12; install a Vulkan driver (Mesa 24 or newer, or your GPU's) yourself" >&2
  exit 1
fi
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  as_root tee /etc/apt/sources.list.d/jointrain-backports.sources >/dev/null <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
echo "webgpu install: mesa-vulkan-drivers from bookworm-backports"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
dpkg-query -W -f='webgpu install: mesa-vulkan-drivers ${Version}\n' mesa-vulkan-drivers
