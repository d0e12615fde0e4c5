#!/usr/bin/env bash
# Builds dist/parcours-grands-chantiers_VERSION-1_ARCH.deb from the one-folder build dist/conseiller/
# (run packaging/conseiller.spec first; `make package` does both). Plain dpkg-deb: no maintainer
# scripts at all, so installing or removing the package never runs anything and never touches a
# conseiller's vault (it lives in each user's home, ~/.local/share/…, which dpkg knows nothing of).
set -euo pipefail
cd "$(dirname "$0")/../.."

APP_ID=fr.pasdecalais.ParcoursGrandsChantiers
PACKAGE=parcours-grands-chantiers
PREFIX=opt/$PACKAGE
BUILD=dist/conseiller
[ -x "$BUILD/conseiller" ] || { echo "Construction absente : $BUILD/conseiller (lancez d'abord PyInstaller, ou make package)" >&2; exit 1; }

VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' src/conseiller_app/__init__.py)
ARCH=$(dpkg --print-architecture)
grep -q "<release version=\"$VERSION\"" "packaging/linux/$APP_ID.metainfo.xml" || {
  echo "Ajoutez la version $VERSION aux <releases> de packaging/linux/$APP_ID.metainfo.xml" >&2; exit 1; }
OUT=dist/${PACKAGE}_${VERSION}-1_${ARCH}.deb
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT

install -d "$ROOT/$PREFIX" "$ROOT/usr/bin" "$ROOT/usr/share/applications" "$ROOT/usr/share/metainfo" \
  "$ROOT/usr/share/doc/$PACKAGE" "$ROOT/usr/share/icons/hicolor/scalable/apps" "$ROOT/DEBIAN"
cp -a "$BUILD/." "$ROOT/$PREFIX/"
# Relative, so that the launcher also works in a tree unpacked elsewhere (dpkg-deb -x, the smoke test).
ln -s "../../$PREFIX/conseiller" "$ROOT/usr/bin/conseiller"
install -m 644 "packaging/linux/$APP_ID.desktop" "$ROOT/usr/share/applications/"
install -m 644 "packaging/linux/$APP_ID.metainfo.xml" "$ROOT/usr/share/metainfo/"
install -m 644 resources/icons/conseiller.svg "$ROOT/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg"
for png in resources/icons/conseiller-*.png; do
  size=$(basename "$png" .png); size=${size#conseiller-}
  install -d "$ROOT/usr/share/icons/hicolor/${size}x${size}/apps"
  install -m 644 "$png" "$ROOT/usr/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
cat > "$ROOT/usr/share/doc/$PACKAGE/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Parcours Grands Chantiers
Source: Département du Pas-de-Calais

Files: *
Copyright: Département du Pas-de-Calais
License: EUPL-1.2
 The folder /$PREFIX also carries Python (PSF-2.0), Qt and PySide6 (LGPL-3.0), SQLCipher
 (BSD-3-Clause), reportlab (BSD-3-Clause), the DejaVu fonts and the other libraries listed in
 the application's pyproject.toml, each under its own licence.
COPYRIGHT

if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net --explain "$ROOT/usr/share/metainfo/$APP_ID.metainfo.xml" >/dev/null \
    || { echo "Métadonnées AppStream invalides" >&2; exit 1; }
fi
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$ROOT/usr/share/applications/$APP_ID.desktop"
fi

# What the folder takes from the system (see SYSTEM_LIBS in packaging/conseiller.spec): read with
# objdump from the built files, mapped to Debian 12 / Ubuntu 22.04 package names; the "t64" names
# are the same libraries on Debian 13 and Ubuntu 24.04.
DEPENDS="libc6 (>= 2.34), libstdc++6, libgcc-s1, zlib1g, libzstd1, libbrotli1, libuuid1, libegl1, libgl1, \
libfontconfig1, libfreetype6, libglib2.0-0t64 | libglib2.0-0, libdbus-1-3, libgssapi-krb5-2, \
libcups2t64 | libcups2, libx11-6, libxcb1, libxcb-cursor0, libxcb-glx0, libxcb-icccm4, libxcb-image0, \
libxcb-keysyms1, libxcb-randr0, libxcb-render0, libxcb-render-util0, libxcb-shape0, libxcb-shm0, \
libxcb-sync1, libxcb-util1, libxcb-xfixes0, libxcb-xkb1, libxkbcommon0, libxkbcommon-x11-0, \
libwayland-client0, libwayland-cursor0, libwayland-egl1"
SIZE_KB=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
cat > "$ROOT/DEBIAN/control" <<CONTROL
Package: $PACKAGE
Version: $VERSION-1
Architecture: $ARCH
Maintainer: Département du Pas-de-Calais, Direction des systèmes d'information <dsi@example.invalid>
Installed-Size: $SIZE_KB
Depends: $DEPENDS
Section: misc
Priority: optional
Homepage: https://www.pasdecalais.fr/
Description: Parcours Grands Chantiers - application des conseillers
 Application de bureau des conseillers du Département du Pas-de-Calais qui
 accompagnent les allocataires du RSA et les jeunes vers les métiers des
 grands chantiers. Coffre chiffré (SQLCipher) local, utilisable sans réseau.
 .
 Installée dans /$PREFIX avec son propre Python et Qt ; commande « conseiller ».
 La désinstallation ne touche jamais aux coffres des utilisateurs.
CONTROL

mkdir -p dist
# gzip: every dpkg reads it, and it compresses this folder 10 times faster than xz (CI time).
dpkg-deb --root-owner-group -Zgzip -z6 --build "$ROOT" "$OUT" >/dev/null
echo "$OUT"
