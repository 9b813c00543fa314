#!/usr/bin/env bash
# Installs, offline, what the e2e tests need (README.md, "End-to-end tests in real VS Code"):
# Debian's chromium (driven by playwright-core) and code-server, the real VS Code workbench served
# to that browser. code-server's post-install downloads ripgrep from GitHub, which cannot work
# here, so it is installed with --ignore-scripts and its post-install steps are done by hand.
#
# Idempotent: code-server goes to a cache folder keyed on its version, and the marker file is
# written last, so a second run costs seconds and an interrupted install is redone from scratch.
#   JOINTRAIN_E2E_CACHE  cache root (default ~/.cache/jointrain-e2e)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
version="$(tr -d '[:space:]' < "$here/code-server-version")"
home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
cache="${JOINTRAIN_E2E_CACHE:-$home/.cache/jointrain-e2e}"
cs="$cache/code-server-$version"
marker="$cs/.installed"
apt_packages=(libkrb5-dev pkg-config ripgrep chromium)
native_modules=(kerberos node-pty @parcel/watcher @vscode/spdlog @vscode/deviceid native-watchdog)

started=$(date +%s)
step_started=$started
step() {
  local now; now=$(date +%s)
  printf 'e2e install: %-44s %4ss (total %ss)\n' "$1" "$((now - step_started))" "$((now - started))"
  step_started=$now
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_apt_packages() {
  local missing=()
  for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "e2e install: apt packages missing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# npm's own node-gyp builds against the headers npm is configured for (nodedir), with no download;
# npx fetches node-gyp from the registry only where npm does not bundle it.
node_gyp() {
  local npm_root bundled
  npm_root="$(npm root -g)"
  bundled="$npm_root/npm/node_modules/node-gyp/bin/node-gyp.js"
  local nodedir; nodedir="$(npm config get nodedir 2>/dev/null || true)"
  local args=(rebuild --jobs=max)
  [ -n "$nodedir" ] && [ "$nodedir" != "undefined" ] && [ "$nodedir" != "null" ] && args+=("--nodedir=$nodedir")
  if [ -f "$bundled" ]; then node "$bundled" "${args[@]}"; else npx --yes node-gyp "${args[@]}"; fi
}

install_code_server() {
  rm -rf "$cs"
  mkdir -p "$cs"
  cd "$cs"
  npm init -y >/dev/null
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$version" >/dev/null
  step "code-server package"

  cd node_modules/code-server/lib/vscode
  npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
  step "VS Code dependencies"

  for module in "${native_modules[@]}"; do
    (cd "node_modules/$module" && node_gyp >/dev/null 2>"$cs/node-gyp-${module//\//-}.log") || {
      echo "e2e install: building $module failed:"; cat "$cs/node-gyp-${module//\//-}.log"; exit 1;
    }
  done
  step "native modules (node-gyp)"

  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  ln -sfn node_modules node_modules.asar
  (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
  (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
  (cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null && node ./postinstall.mjs >/dev/null)
  cd "$cs"
  npm rebuild argon2 --loglevel=error >/dev/null
  step "built-in extensions, ripgrep, links"

  printf 'code-server %s installed %s\n' "$version" "$(date -u +%FT%TZ)" > "$marker"
}

install_apt_packages
step "apt packages"
if [ -f "$marker" ]; then
  echo "e2e install: code-server $version already in $cs"
else
  echo "e2e install: installing code-server $version into $cs"
  install_code_server
fi
step "done"
