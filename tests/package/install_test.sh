#!/usr/bin/env bash
# Installs mcprov's Debian package on this machine, checks what it put there (the user, the folders, the man page,
# the units, which systemd-analyze must verify without a word and rate as hardened), starts a CMS from its unit's
# command line, as the unit's user, and asks it /healthz and /readyz; then SIGHUP (the unit's reload) and SIGTERM
# (its stop). Removes what it added, the package too unless it was installed before.
# Usage: install_test.sh BUILD_DIR.  Exit status 77 (skipped) without root or passwordless sudo.
set -euo pipefail

build=$(cd "$1" && pwd)
servers=(cms kms lookup sip-as dms bsf)
instance=install-test
max_exposure=2.5

fail() { echo "FAIL: $*" >&2; exit 1; }
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}
if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
    echo "skipped: installing a package needs root or passwordless sudo" >&2
    exit 77
fi

work=$(mktemp -d)
cms_pid=""
installed_before=$(dpkg-query -W -f='${Status}' mcprov 2>/dev/null | grep -c "install ok installed" || true)
user_before=$(getent passwd mcprov >/dev/null && echo 1 || echo 0)
state_before=$([ -d /var/lib/mcprov ] && echo 1 || echo 0)
cleanup() {
    [ -n "$cms_pid" ] && kill "$cms_pid" 2>/dev/null && wait "$cms_pid" 2>/dev/null
    as_root rm -f "/etc/mcprov/cms/$instance".* /var/lib/mcprov/"$instance"-cms.db*
    if [ "$installed_before" -eq 0 ]; then
        as_root dpkg --purge mcprov >/dev/null 2>&1 || true
        [ "$state_before" -eq 1 ] || as_root rmdir /var/lib/mcprov 2>/dev/null || true
        [ "$user_before" -eq 1 ] || as_root userdel mcprov 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== building the package"
(cd "$build" && cpack --config CPackConfig.cmake -B "$work/packages" >/dev/null)
deb=$(ls "$work"/packages/mcprov_*.deb)

echo "== installing $(basename "$deb")"
as_root dpkg -i "$deb" >/dev/null || fail "dpkg -i $deb"

echo "== what the package put on the machine"
# Outputs are read whole before they are matched: `grep -q` leaving a pipe early would fail it under pipefail.
version=$(/usr/bin/mcprov --version) || fail "/usr/bin/mcprov --version"
[[ $version == "mcprov "* ]] || fail "/usr/bin/mcprov --version says $version"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd mcprov) || fail "no user mcprov"
[ "$uid" -lt 1000 ] || fail "mcprov is not a system user (uid $uid)"
[ "$home" = /var/lib/mcprov ] || fail "mcprov's home is $home"
[ "$shell" = /usr/sbin/nologin ] || fail "mcprov's shell is $shell"
[ "$(stat -c '%U:%G %a' /var/lib/mcprov)" = "mcprov:mcprov 750" ] || fail "/var/lib/mcprov is $(stat -c '%U:%G %a' /var/lib/mcprov)"
for server in "${servers[@]}"; do
    [ -f "/etc/mcprov/$server.example.toml" ] || fail "no /etc/mcprov/$server.example.toml"
    grep -qx "/etc/mcprov/$server.example.toml" /var/lib/dpkg/info/mcprov.conffiles || fail "$server.example.toml is not a conffile"
    [ "$(stat -c '%U:%G %a' "/etc/mcprov/$server")" = "root:mcprov 750" ] || fail "/etc/mcprov/$server is $(stat -c '%U:%G %a' "/etc/mcprov/$server")"
done
zcat /usr/share/man/man1/mcprov.1.gz >"$work/mcprov.1" || fail "the man page does not unpack"
grep -q '^\.TH MCPROV 1' "$work/mcprov.1" || fail "the man page has no title"
for server in "${servers[@]}"; do
    grep -q "^\.SS \"mcprov $server\"" "$work/mcprov.1" || fail "the man page lacks mcprov $server"
done

echo "== systemd-analyze verify and security of every unit"
for server in "${servers[@]}"; do
    unit="mcprov-$server@$instance.service"
    said=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify $unit: $said"
    [ -z "$said" ] || fail "systemd-analyze verify $unit warns: $said"
    exposure=$(systemd-analyze security --offline=yes "/lib/systemd/system/mcprov-$server@.service" 2>&1 |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    [ -n "$exposure" ] || fail "systemd-analyze security gave no exposure level for $unit"
    awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e <= max) }' ||
        fail "$unit: exposure $exposure, more than $max_exposure"
    echo "$unit: verified, exposure $exposure"
done
unit=/lib/systemd/system/mcprov-cms@.service
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" || fail "mcprov-cms@ does not reload on SIGHUP"

echo "== a CMS from the unit's command line, as the unit's user"
conf=/etc/mcprov/cms/$instance
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$work/cms.key" -out "$work/cms.crt" 2>/dev/null
/usr/bin/mcprov keygen --private "$work/idms.key" --public "$work/idms.pub" >/dev/null
cat > "$work/cms.toml" <<TOML
[server]
listen = "127.0.0.1:0"
[tls]
certificate = "$instance.crt"
private_key = "$instance.key"
[store]
url = "sqlite:/var/lib/mcprov/$instance-cms.db"
[auth]
issuer = "https://idms.example.org"
audience = "mcprov-cms"
public_key = "$instance.idms.pub"
TOML
as_root install -o root -g mcprov -m 0640 "$work/cms.toml" "$conf.toml"
as_root install -o root -g mcprov -m 0640 "$work/cms.crt" "$conf.crt"
as_root install -o mcprov -g mcprov -m 0600 "$work/cms.key" "$conf.key" # a key file is its owner's only
as_root install -o root -g mcprov -m 0640 "$work/idms.pub" "$conf.idms.pub"

exec_start=$(sed -n 's/^ExecStart=//p' "$unit" | sed "s/%i/$instance/g")
user=$(sed -n 's/^User=//p' "$unit")
directory=$(sed -n 's/^WorkingDirectory=//p' "$unit")
umask_value=$(sed -n 's/^UMask=//p' "$unit")
echo "$exec_start (user $user, in $directory)"
mkfifo "$work/log"
# shellcheck disable=SC2086 # the unit's command line, split as systemd splits it (no quoting in it)
(cd "$directory" && umask "$umask_value" &&
    exec setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs -- $exec_start) >"$work/log" 2>&1 &
cms_pid=$!
exec 3<"$work/log"
# Reads the CMS's log up to a line matching $1 (30 s at most); BASH_REMATCH holds the match.
await_log() {
    local line
    while IFS= read -r -t 30 line <&3; do
        echo "cms: $line"
        [[ $line =~ $1 ]] && return 0
    done
    return 1
}
await_log 'on https://127\.0\.0\.1:([0-9]+)' || fail "the CMS did not say where it serves"
port=${BASH_REMATCH[1]}

ask() { curl -s -o /dev/null -w '%{http_code}' --cacert "$work/cms.crt" "https://localhost:$port$1"; }
[ "$(ask /healthz)" = 200 ] || fail "GET /healthz"
[ "$(ask /readyz)" = 200 ] || fail "GET /readyz"
[ "$(stat -c '%U %a' "/var/lib/mcprov/$instance-cms.db")" = "mcprov 640" ] ||
    fail "the store is $(stat -c '%U %a' "/var/lib/mcprov/$instance-cms.db")"

kill -HUP "$cms_pid"
await_log 'SIGHUP' || fail "the CMS did not take SIGHUP"
[ "$(ask /healthz)" = 200 ] || fail "GET /healthz after SIGHUP"
cat <&3 >"$work/later.log" &
kill -TERM "$cms_pid"
status=0
wait "$cms_pid" || status=$?
cms_pid=""
[ "$status" -eq 0 ] || fail "the CMS exited $status on SIGTERM: $(cat "$work/later.log")"
echo "PASS: installed, units verified, a CMS served from mcprov-cms@$instance's command line and stopped on SIGTERM"
