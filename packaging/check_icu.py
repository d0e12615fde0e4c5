"""What Qt asks ICU for, checked against the ICU data the Linux folder carries (packaging/icu_data.py).

Run with the venv's PySide6 and the folder's libicudata loaded in place of the wheel's:

    LD_PRELOAD=dist/conseiller/_internal/PySide6/Qt/lib/libicudata.so.73 .venv/bin/python packaging/check_icu.py

(packaging/smoke_test.sh does). Exit status 1 and the differences on stderr if a result differs
from the full ICU data's (the expected values below), or if Qt warns about ICU.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone, qInstallMessageHandler

warnings: list[str] = []
qInstallMessageHandler(lambda _mode, _context, message: warnings.append(message))

french = QLocale(QLocale.Language.French, QLocale.Country.France)
collator = QCollator(french)
collator.setNumericMode(True)  # as Qt's file dialog sorts file names
names = ["zèbre", "Étienne", "etienne", "écrit", "Ecrire", "fiche 10.pdf", "fiche 9.pdf", "œuvre", "Oeuf"]
paris = QTimeZone(b"Europe/Paris")
WESTERN = ["windows-1252", "windows-1250", "ISO-8859-15", "ISO-8859-2", "IBM850", "macintosh"]

checks = {
    "tri (QCollator, fr_FR)": (sorted(names, key=collator.sortKey),
                               ["Ecrire", "écrit", "etienne", "Étienne", "fiche 9.pdf", "fiche 10.pdf",
                                "Oeuf", "œuvre", "zèbre"]),
    "majuscules (fr_FR)": (french.toUpper("Straße élève œuvre"), "STRASSE ÉLÈVE ŒUVRE"),
    "minuscules (tr)": (QLocale(QLocale.Language.Turkish).toLower("I"), "ı"),
    # (PySide6 does not bind QStringDecoder's decoding: whether ICU opens the converter.)
    "jeux de caractères": ([name for name in WESTERN if not QStringDecoder(name).isValid()], []),
    "fuseau": (paris.displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, french),
               "heure normale d’Europe centrale"),
}
# The library tested is the one preloaded (else this checks the wheel's full data).
maps = Path("/proc/self/maps").read_text(encoding="utf-8").splitlines()
mapped = {line.split()[-1] for line in maps if "libicudata" in line}
preloaded = {os.path.realpath(path) for path in os.environ.get("LD_PRELOAD", "").split() if "libicudata" in path}
checks["bibliothèque chargée"] = ({os.path.realpath(path) for path in mapped}, preloaded or mapped)
failed = [f"{name} : {got!r} au lieu de {want!r}" for name, (got, want) in checks.items() if got != want]
failed += [f"avertissement de Qt : {w}" for w in warnings]
for line in failed:
    print(line, file=sys.stderr)
print(f"ICU : {len(checks) - len(failed)}/{len(checks)} vérifications" if not failed else "ICU : échec")
sys.exit(1 if failed else 0)
