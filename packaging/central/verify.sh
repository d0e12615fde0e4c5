#!/usr/bin/env bash
# `systemd-analyze verify` on the central office's unit. The unit names the installed programme
# (/opt/conseiller-central/venv/bin/conseiller-central) that a build machine does not have: the
# check runs on a copy whose ExecStart points to an existing executable, everything else unchanged.
set -euo pipefail
cd "$(dirname "$0")"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze absent (paquet systemd)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's|^ExecStart=/opt/conseiller-central/venv/bin/conseiller-central |ExecStart=/bin/true |' \
  conseiller-central.service > "$tmp/conseiller-central.service"
grep -q '^ExecStart=/bin/true ' "$tmp/conseiller-central.service"
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$tmp/conseiller-central.service" 2>&1 || echo "code $?")
# Outside a booted systemd (containers, CI) verify also reports about the host's own units: keep
# only what concerns ours.
ours=$(printf '%s\n' "$out" | grep -E "conseiller-central|^code " || true)
if [ -n "$ours" ]; then printf '%s\n' "$ours" >&2; exit 1; fi
echo "systemd-analyze verify : conseiller-central.service correct"
