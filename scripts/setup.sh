#!/usr/bin/env bash
# Installs the Debian 12 packages mcprov needs to build, test and run; does nothing when all are present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-14 libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libxml2-dev libxmlsec1-dev libsqlite3-dev libpq-dev libssl-dev libwolfssl-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev libwbxml2-dev
  openssl curl wrk nginx-light bc sqlite3
  postgresql
  pcscd libpcsclite-dev vsmartcard-vpcd osmo-hlr libosmo-gsup-client-dev libosmocore-dev libosmocore-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
