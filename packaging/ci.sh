#!/usr/bin/env bash
# CI step after `make test` (.ci/run): build the installers (`make package`) and smoke-test them,
# with the time each part took (the whole CI must stay within its limit).
set -euo pipefail
cd "$(dirname "$0")/.."

# binutils: PyInstaller reads the libraries' dependencies with objdump; appstream: the metainfo
# check; desktop-file-utils: the .desktop check; systemd: systemd-analyze verify on the central
# office's unit; poppler-utils: the PDF text.
packages=(binutils appstream desktop-file-utils systemd poppler-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installation des paquets système manquants : ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

start=$(date +%s)
make package
built=$(date +%s)
packaging/smoke_test.sh
done=$(date +%s)
echo "installateurs : construction $((built - start)) s, test de fumée $((done - built)) s"
