#!/usr/bin/env bash
# Installs the Debian 12 packages mcprov needs to build, test and run; does nothing when all are present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache clang-14 libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libxml2-dev libxmlsec1-dev libsqlite3-dev libpq-dev libssl-dev libwolfssl-dev libgmp-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev libwbxml2-dev
  openssl curl wrk nginx-light bc sqlite3
  postgresql
  pcscd libpcsclite-dev vsmartcard-vpcd osmo-hlr libosmo-gsup-client-dev libosmocore-dev libosmocore-utils
  libsofia-sip-ua-dev sip-tester kamailio iproute2
)

# pcscd's socket (/run/pcscd/pcscd.comm) is the machine's: the tests and `mcprov dev` start pcscd with their own
# virtual readers, so a pcscd that systemd starts (Debian's pcscd.socket) is stopped and disabled; so is the
# Kamailio that Debian's package starts on port 5060: the tests run their own.
stop_system_daemons() {
    command -v systemctl >/dev/null 2>&1 || return 0
    local state
    state=$(systemctl is-system-running 2>/dev/null || true)
    case "$state" in running | degraded | starting) ;; *) return 0 ;; esac
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    for unit in pcscd.socket pcscd.service kamailio.service; do
        if systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl is-active --quiet "$unit" 2>/dev/null; then
            echo "setup: stopping and disabling $unit (mcprov's tests and mcprov dev run their own)"
            $sudo systemctl disable --now "$unit" >/dev/null 2>&1 || true
        fi
    done
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    stop_system_daemons
    exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
stop_system_daemons
