#!/usr/bin/env bash
# Smoke test of the built desktop application (`make package` first), run by .ci/run after the
# tests. Each command runs the built binary with an environment of its own: no Python on the
# PATH (an empty folder), a temporary HOME, offscreen Qt. Then the same on the .deb, unpacked with
# dpkg-deb -x into a temporary root and started through its /usr/bin launcher. Also: a newer build
# opens an older vault (tests/data/vault-rev0001: backup then migrations) and a build refuses a
# vault of a newer revision than its own with a clear message.
#
#   packaging/smoke_test.sh [--no-deb]
# Prints one line per check and a closing "N passed, N failed" line; exits 1 on any failure.
set -uo pipefail
SERVER_PID=
cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)

BUILD=dist/conseiller/conseiller
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' src/conseiller_app/__init__.py)
PASSPHRASE="Une phrase de passe assez longue pour le test 2026 !"
SAMPLE_PASSPHRASE="échantillon révision un 0001 !"  # tests/data/make_vault_rev0001.py
HARNESS_PYTHON=${HARNESS_PYTHON:-.venv/bin/python}  # only to tamper with a vault, never to run the app

WORK=$(mktemp -d)
trap 'stop_server; rm -rf "$WORK"' EXIT
NOPY="$WORK/empty-bin"  # the PATH of every run of the binary: nothing in it, so no Python either
mkdir -p "$NOPY" "$WORK/home"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
ko() { failed=$((failed + 1)); echo "  ÉCHEC $*"; }

# run LAUNCHER ARGS... : the binary in a bare environment; output in $WORK/out, code in $rc.
run() {
  local launcher=$1; shift
  timeout 120 env -i HOME="$WORK/home" LANG=C.UTF-8 PATH="$NOPY" QT_QPA_PLATFORM=offscreen \
    CONSEILLER_PASSPHRASE="${RUN_PASSPHRASE:-$PASSPHRASE}" ${RUN_ENV:-} \
    "$launcher" "$@" >"$WORK/out" 2>&1
  rc=$?
}

expect() {  # expect LABEL CODE TEXT : last run exited CODE and printed TEXT
  if [ "$rc" -eq "$2" ] && grep -qF -- "$3" "$WORK/out"; then ok "$1"; else
    ko "$1 (code $rc, attendu $2 et « $3 ») :"; sed 's/^/        /' "$WORK/out" | tail -5; fi
}

suite() {  # suite LAUNCHER LABEL
  local b=$1 label=$2 v="$WORK/$2/coffre" d="$WORK/$2/demo"
  echo "$label : $b"
  if env -i PATH="$NOPY" /bin/sh -c 'command -v python3 || command -v python' >/dev/null; then
    ko "$label: un Python est sur le PATH du test"; fi
  run "$b" --version; expect "$label: --version" 0 "Parcours Grands Chantiers $VERSION"
  run "$b" --data-dir "$v" init --name "Claire Martin" --territory Arrageois
  expect "$label: init" 0 "Coffre créé"
  run "$b" --data-dir "$v" beneficiary add --last-name "Lefèvre" --first-name "Jérôme" \
    --birth-date 1990-05-04 --commune Arras --public rsa --phone "06 12 34 56 78"
  expect "$label: beneficiary add" 0 "-"
  local id; id=$(tail -1 "$WORK/out")
  run "$b" --data-dir "$v" beneficiary search lefevre; expect "$label: beneficiary search" 0 "$id  LEFÈVRE Jérôme"
  run "$b" --data-dir "$v" check; expect "$label: check" 0 "Coffre intègre : 1 dossier(s)"
  local start end
  start=$(date +%s%N)
  RUN_ENV="CONSEILLER_QUIT_AFTER_FIRST_SCREEN=1" run "$b" --data-dir "$v"
  end=$(date +%s%N)
  expect "$label: fenêtre hors écran, écran de déverrouillage puis sortie ($(( (end - start) / 1000000 )) ms)" 0 \
    "premier écran : UnlockScreen"
  if grep -qi "traceback\|error\|erreur" "$WORK/out"; then ko "$label: messages au démarrage :"; cat "$WORK/out"; fi

  run "$b" --data-dir "$d" init --name "Claire Martin" --territory Arrageois
  run "$b" --data-dir "$d" demo --beneficiaries 12 --seed 3; expect "$label: demo" 0 "Données de démonstration ajoutées"
  run "$b" --data-dir "$d" referral list --json
  local ref
  ref=$(tr -d '\n ' <"$WORK/out" | grep -o '"reference":"[^"]*"[^}]*"consent_state":"valid"' | head -1 \
        | sed 's/"reference":"\([^"]*\)".*/\1/')
  if [ -z "$ref" ]; then ko "$label: aucune orientation avec consentement dans la démo"; return; fi
  run "$b" --data-dir "$d" referral print "$ref" --out "$WORK/$label-fiche.pdf"
  if [ "$rc" -eq 0 ] && head -c 5 "$WORK/$label-fiche.pdf" | grep -q "%PDF-" \
     && [ "$(stat -c %s "$WORK/$label-fiche.pdf")" -gt 5000 ]; then
    if command -v pdftotext >/dev/null && ! pdftotext "$WORK/$label-fiche.pdf" - | grep -qF "$ref"; then
      ko "$label: la fiche de liaison ne porte pas sa référence $ref"
    else ok "$label: fiche de liaison $ref imprimée ($(stat -c %s "$WORK/$label-fiche.pdf") octets)"; fi
  else ko "$label: referral print (code $rc)"; cat "$WORK/out"; tail -1 "$d/journaux/technique.log"; echo; fi
}

upgrades() {  # upgrades LAUNCHER
  local b=$1 old="$WORK/ancien" new="$WORK/futur"
  echo "mises à niveau : $b"
  cp -r tests/data/vault-rev0001 "$old"
  RUN_PASSPHRASE="$SAMPLE_PASSPHRASE" run "$b" --data-dir "$old" check
  expect "coffre de la révision 0001 ouvert et mis à niveau" 0 "Coffre intègre : 2 dossier(s)"
  if ls "$old"/sauvegardes/avant-migration-*.db >/dev/null 2>&1; then ok "sauvegarde automatique avant migration"
  else ko "pas de sauvegarde avant migration dans $old/sauvegardes"; fi
  RUN_PASSPHRASE="$SAMPLE_PASSPHRASE" run "$b" --data-dir "$old" beneficiary search ndiaye
  expect "dossiers de l'ancien coffre retrouvés" 0 "N'DIAYE Awa"

  # A vault written by a later version: its alembic revision is unknown to this build.
  RUN_PASSPHRASE="$PASSPHRASE" run "$b" --data-dir "$new" init --name "Claire Martin" --territory Arrageois
  if [ -x "$HARNESS_PYTHON" ]; then
    "$HARNESS_PYTHON" - "$new/coffre.db" "$PASSPHRASE" <<'PY'
import sys
from conseiller_app.storage import cipher
conn = cipher.connect(sys.argv[1], sys.argv[2])
conn.execute("UPDATE alembic_version SET version_num = '9999_version_future'")
conn.commit()
conn.close()
PY
    cp "$new/coffre.db" "$WORK/futur-avant.db"
    run "$b" --data-dir "$new" check
    expect "coffre d'une version plus récente refusé" 5 "version plus récente de l'application"
    if cmp -s "$new/coffre.db" "$WORK/futur-avant.db"; then ok "coffre plus récent laissé intact"
    else ko "le coffre plus récent a été modifié"; fi
  else
    echo "  (sauté : $HARNESS_PYTHON absent pour préparer un coffre plus récent)"
  fi
}

network() {  # network LAUNCHER : sync push and pull (httpx, built in) against the real service, run from the sources
  local b=$1 c="$WORK/siege" v="$WORK/reseau/coffre" port
  echo "réseau : $b"
  if [ ! -x "$HARNESS_PYTHON" ] || ! "$HARNESS_PYTHON" -c "import litestar, uvicorn" 2>/dev/null; then
    echo "  (sauté : pas de $HARNESS_PYTHON avec l'extra [central] pour lancer le service)"; return; fi
  port=$("$HARNESS_PYTHON" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  local central=("$HARNESS_PYTHON" -m conseiller_app.cli.central --db "sqlite:///$c/siege.db" --keys "$c/cles")
  mkdir -p "$c"
  "${central[@]}" init --name "Siège de test" --url "http://127.0.0.1:$port" >"$c/init.log" 2>&1 \
    || { ko "réseau : conseiller-central init"; cat "$c/init.log"; return; }
  setsid "${central[@]}" serve --port "$port" >"$c/serveur.log" 2>&1 &
  SERVER_PID=$!
  "$HARNESS_PYTHON" - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/health", timeout=2)
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
PY
  if [ $? -ne 0 ]; then ko "réseau : le service du siège n'a pas démarré"; tail -5 "$c/serveur.log"; stop_server; return; fi
  run "$b" --data-dir "$v" init --name "Claire Martin" --territory Arrageois
  run "$b" --data-dir "$v" sync enroll "$c/cles/inscription-siege.json"; expect "réseau : sync enroll" 0 ""
  run "$b" --data-dir "$v" beneficiary add --last-name "Lefèvre" --first-name "Jérôme" \
    --birth-date 1990-05-04 --commune Arras --public rsa
  run "$b" --data-dir "$v" sync push; expect "réseau : sync push (httpx)" 0 "Paquet n°1 envoyé au siège"
  run "$b" --data-dir "$v" sync pull; expect "réseau : sync pull" 0 "Rien de nouveau"
  stop_server
  run "$b" --data-dir "$v" sync push; expect "réseau : siège arrêté, sync push sort en 6" 6 "injoignable"
}
stop_server() {  # the service started by network(): its own process group (uvicorn and its workers)
  if [ -n "${SERVER_PID:-}" ]; then kill -TERM -- "-$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=; fi
}

deb() {
  local pkg; pkg=$(ls -t dist/parcours-grands-chantiers_*.deb 2>/dev/null | head -1)
  if [ -z "$pkg" ]; then ko "paquet .deb absent de dist/"; return; fi
  local root="$WORK/racine"
  dpkg-deb -x "$pkg" "$root"
  local id=fr.pasdecalais.ParcoursGrandsChantiers
  for f in usr/bin/conseiller opt/parcours-grands-chantiers/conseiller usr/share/applications/$id.desktop \
           usr/share/metainfo/$id.metainfo.xml usr/share/icons/hicolor/256x256/apps/$id.png \
           usr/share/icons/hicolor/scalable/apps/$id.svg; do
    if [ -e "$root/$f" ]; then ok "paquet : /$f"; else ko "paquet : /$f manquant"; fi
  done
  if dpkg-deb -I "$pkg" | grep -qE "^ (preinst|postinst|prerm|postrm) "; then
    ko "le paquet a des scripts de maintenance"; else ok "paquet sans script de maintenance (rien ne touche aux coffres)"; fi
  if command -v appstreamcli >/dev/null; then
    if appstreamcli validate --no-net "$root/usr/share/metainfo/$id.metainfo.xml" >/dev/null; then
      ok "AppStream valide"; else ko "AppStream invalide"; fi
  fi
  suite "$root/usr/bin/conseiller" deb
}

if [ ! -x "$BUILD" ]; then echo "Construction absente : $BUILD (make package)" >&2; exit 1; fi
echo "dossier construit : $(du -sm dist/conseiller | cut -f1) Mo"
# Every Qt module the sources import is in the folder (pages built later, e.g. the Indicateurs
# page's QtCharts, are not reached by the commands below).
for m in $(grep -rhoE "^\s*from PySide6\.Qt[A-Za-z]+ import" src/conseiller_app | grep -oE "Qt[A-Za-z]+" | sort -u); do
  if ls dist/conseiller/_internal/PySide6/"$m".* >/dev/null 2>&1; then ok "module PySide6.$m présent"
  else ko "module PySide6.$m absent du dossier construit (QT_KEEP dans packaging/conseiller.spec)"; fi
done
# Cuts in packaging/conseiller.spec: no module the application's code imports at the top of a
# file is missing from the build (PyInstaller's warnings). Known and harmless: msvcrt (Windows
# only, imported there alone), pyrage.passphrase (made by pyrage's compiled module itself).
warnfile=build/pyinstaller/conseiller/warn-conseiller.txt
if [ -f "$warnfile" ]; then
  missing=$(grep "^missing module named" "$warnfile" | grep -E "imported by .*conseiller_app" \
            | grep -vE "^missing module named (msvcrt|'pyrage\.passphrase') " || true)
  if [ -z "$missing" ]; then ok "aucun module importé par l'application ne manque à la construction"
  else ko "modules importés par l'application absents de la construction :"; echo "$missing" | cut -c1-300; fi
fi
# ICU: the folder's smaller data library (packaging/icu_data.py) answers what Qt asks it.
icudata=$(ls dist/conseiller/_internal/PySide6/Qt/lib/libicudata.so.* 2>/dev/null | head -1)
if [ -n "$icudata" ] && [ -x "$HARNESS_PYTHON" ]; then
  if LD_PRELOAD="$ROOT_DIR/$icudata" QT_QPA_PLATFORM=offscreen "$HARNESS_PYTHON" packaging/check_icu.py >"$WORK/out" 2>&1
  then ok "$(tail -1 "$WORK/out") sur $(du -h "$icudata" | cut -f1) de données"
  else ko "données ICU réduites :"; sed 's/^/        /' "$WORK/out"; fi
fi
suite "$ROOT_DIR/$BUILD" dossier
upgrades "$ROOT_DIR/$BUILD"
network "$ROOT_DIR/$BUILD"
[ "${1:-}" = "--no-deb" ] || deb
if [ -x packaging/central/verify.sh ]; then packaging/central/verify.sh && ok "unité systemd du siège vérifiée" \
  || ko "unité systemd du siège"; fi

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
