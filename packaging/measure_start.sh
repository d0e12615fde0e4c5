#!/usr/bin/env bash
# Start time to the unlock screen (painted, then quit: CONSEILLER_QUIT_AFTER_FIRST_SCREEN), of the
# built binary and of the sources, on a temporary vault. "Warm": median of 5 runs. "Cold" only with
# --drop-caches (root): it empties the whole machine's page cache, which slows everything else
# running on it, so never by default on a shared machine.
#   packaging/measure_start.sh [--drop-caches]        (after make package)
set -euo pipefail
cd "$(dirname "$0")/.."
DROP=0; [ "${1:-}" = "--drop-caches" ] && DROP=1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export CONSEILLER_PASSPHRASE="Une phrase de passe assez longue pour la mesure 2026 !" QT_QPA_PLATFORM=offscreen
dist/conseiller/conseiller --data-dir "$work/v" init --name "Claire Martin" --territory Arrageois >/dev/null

once() {  # prints milliseconds from exec to exit
  local s e; s=$(date +%s%N)
  CONSEILLER_QUIT_AFTER_FIRST_SCREEN=1 "$@" --data-dir "$work/v" >/dev/null 2>&1
  e=$(date +%s%N); echo $(( (e - s) / 1000000 ))
}
measure() {  # measure LABEL COMMAND...
  local label=$1; shift
  local cold="-"
  if [ "$DROP" = 1 ] && sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then cold=$(once "$@"); fi
  local warm; warm=$(for _ in 1 2 3 4 5; do once "$@"; done | sort -n | sed -n 3p)
  echo "$label : à froid ${cold} ms, à chaud ${warm} ms (médiane de 5)"
}
measure "programme construit" dist/conseiller/conseiller
measure "depuis les sources  " .venv/bin/python -m conseiller_app
