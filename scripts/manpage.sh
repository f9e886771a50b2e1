#!/usr/bin/env bash
# Writes mcprov(1) in roff to stdout from the --help of BINARY and of every subcommand, two levels down, so that the
# man page says what the binary says.  Usage: scripts/manpage.sh BINARY [DATE]
set -euo pipefail

binary=$1
date=${2:-$(date -u +%Y-%m-%d)}
version=$("$binary" --version | awk '{print $2}')

# Subcommand names in a --help text: the lines under "Subcommands:" that start with two spaces and a name.
subcommands() {
    awk '/^Subcommands:/ { in_list = 1; next }
         in_list && /^  [a-z][a-z0-9-]*( |$)/ { print $1 }
         in_list && /^[^ ]/ { in_list = 0 }'
}

# roff: backslashes escaped, lines starting with a control character made literal.
escape() {
    sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
}

# One command's help, its usage line naming the command as typed.
help_of() {
    "$binary" "$@" --help | sed -e "s|^Usage: [^ ]*mcprov|Usage: mcprov|"
}

section() {
    echo ".SS \"mcprov $*\""
    echo ".nf"
    help_of "$@" | escape
    echo ".fi"
}

cat <<ROFF
.TH MCPROV 1 "$date" "mcprov $version" "User Commands"
.SH NAME
mcprov \\- provisioning of mission-critical users and devices: configuration management, key management,
device management, GBA and SIP servers, and their clients
.SH SYNOPSIS
.B mcprov
.I subcommand
.RI [ options ]
.SH DESCRIPTION
.nf
ROFF
help_of | escape
echo ".fi"
echo ".SH SUBCOMMANDS"
for first in $(help_of | subcommands); do
    section "$first"
    for second in $(help_of "$first" | subcommands); do
        section "$first" "$second"
        for third in $(help_of "$first" "$second" | subcommands); do
            section "$first" "$second" "$third"
        done
    done
done
cat <<'ROFF'
.SH FILES
.TP
.I /etc/mcprov/
example configurations (*.example.toml); a server's instance NAME reads /etc/mcprov/SERVER/NAME.toml when started by
its systemd unit mcprov-SERVER@NAME.service
.TP
.I /var/lib/mcprov/
state: SQLite stores, keys the servers generate
.SH SEE ALSO
The operator's guide in /usr/share/doc/mcprov/.
ROFF
