#!/usr/bin/env bash
# Installs every build, test and demo dependency of Vigil from Debian 12 packages. Idempotent:
# packages already present are not touched; apt-get runs only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libsimdjson-dev libyaml-cpp-dev libyaml-dev libvectorscan-dev libre2-dev libsqlite3-dev
  libcpp-httplib-dev libcli11-dev libfmt-dev zlib1g-dev libdeflate-dev libisal-dev libzstd-dev libxxhash-dev
  libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Peers for the benchmarks and the browser for the console test.
if [[ "${VIGIL_MINIMAL_DEPS:-0}" != "1" ]]; then
  PACKAGES+=(libevtx-utils python3-evtx chromium)
  # Node.js may come from elsewhere on the machine (with its own npm); Debian's npm would clash.
  command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
  command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
