"""Linux build: a smaller ICU data library for the folder (packaging/conseiller.spec).

QtCore from the PySide6 wheels links ICU 73 (libicuuc, libicui18n, libicudata); the three must be
in the folder or QtCore does not load. libicudata is nothing but one read-only symbol,
``icudt73_dat``: ICU's common data package (30.5 MiB), the locale data of every language, every
legacy character set, the dictionaries of Chinese, Japanese, Khmer, Lao, Burmese and Thai word
breaking, transliteration rules... What Qt asks ICU for (``nm -D --undefined-only libQt6Core.so.6``):
case mapping (``u_strToUpper``/``Lower``), collation (``ucol_*``: QCollator, which Qt's file dialog
uses to sort file names), time zone names (``ucal_*``) and character sets beyond the UTF and Latin-1
ones Qt handles itself (``ucnv_*``: QStringConverter). The application's text is French; Python
does all its file reading and writing.

This module takes the package out of the wheel's libicudata, keeps the items below (root, French
and English locales in every tree, collation, time zones, properties, the Western character sets),
writes them as a new common data package (same format: the header, a table of contents sorted by
name, items aligned on 16 bytes) and links it into a library of the same name with binutils (``as``,
``ld``: already needed by PyInstaller, which reads dependencies with objdump). ICU finds its data
through the same symbol; an item left out behaves as in an ICU built without it (``U_MISSING_RESOURCE_ERROR``,
Qt falls back to its own code). Checked by packaging/check_icu.py on the built folder.

    python packaging/icu_data.py LIBICUDATA OUT_DIR   (prints the new library's path)
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path

# Locales kept in every tree (top level, coll/, zone/, curr/, lang/...): the French ones and the
# English ones ICU falls back to (the "C" locale is en_US_POSIX), besides root.
LOCALES_KEEP = {"root", "fr", "fr_FR", "en", "en_US", "en_US_POSIX", "en_001", "en_150"}
LOCALE_RES = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]*)*\.res$")  # also "de_.res", "es__TRADITIONAL.res"
# Character sets (QStringConverter by name): the Windows and ISO Western/Central European ones, the
# DOS and Mac ones a CSV from an old tool could use. UTF-*, US-ASCII and Latin-1 need no file.
CONVERTERS_KEEP = re.compile(
    r"^(ibm-(5346|5347|5348|5349|5350|5351|5352|5353|5354)_|ibm-9(12|13|14|15|20|23)_|ibm-(437|850|858)_|"
    r"macos-0_2-10\.2)"
)
# Trees dropped whole: transliteration (Qt never asks for it).
TREES_DROP = {"translit"}
# Items dropped: word-break dictionaries of languages written without spaces, character names.
ITEMS_DROP = re.compile(r"\.dict$|^unames\.icu$")


def keep_item(name: str) -> bool:
    """name: 'icudt73l/coll/fr.res', 'icudt73l/ibm-5348_P100-1997.cnv'..."""
    parts = name.split("/")[1:]
    tree, item = (parts[0], parts[-1]) if len(parts) > 1 else ("", parts[0])
    if tree in TREES_DROP or ITEMS_DROP.search(item):
        return False
    if item.endswith(".cnv"):
        return bool(CONVERTERS_KEEP.match(item))
    if LOCALE_RES.match(item) and item not in {"pool.res", "res_index.res"}:
        return item[: -len(".res")] in LOCALES_KEEP
    return True  # pool.res, res_index.res, supplemental data, time zones, properties, rules


def _symbol(lib: Path) -> tuple[str, int, int]:
    """The data symbol's name, virtual address and size."""
    out = subprocess.run(["nm", "-D", "-S", str(lib)], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 4 and re.fullmatch(r"icudt\d+_dat", fields[3]):
            return fields[3], int(fields[0], 16), int(fields[1], 16)
    raise SystemExit(f"{lib}: pas de symbole icudt*_dat")


def extract(lib: Path) -> tuple[str, bytes]:
    name, address, size = _symbol(lib)
    headers = subprocess.run(["readelf", "-lW", str(lib)], check=True, capture_output=True, text=True).stdout
    for line in headers.splitlines():
        fields = line.split()
        if fields and fields[0] == "LOAD":
            offset, vaddr, filesz = int(fields[1], 16), int(fields[2], 16), int(fields[4], 16)
            if vaddr <= address and address + size <= vaddr + filesz:
                with lib.open("rb") as f:
                    f.seek(offset + address - vaddr)
                    return name, f.read(size)
    raise SystemExit(f"{lib}: données ICU introuvables")


def items(blob: bytes) -> list[tuple[str, bytes]]:
    header_size = struct.unpack_from("<H", blob, 0)[0]
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD" or blob[8] != 0:
        raise SystemExit("pas un paquet de données ICU commun (petit-boutiste)")
    count = struct.unpack_from("<I", blob, header_size)[0]
    entries = [struct.unpack_from("<II", blob, header_size + 4 + 8 * i) for i in range(count)]
    ends = [data for _, data in entries[1:]] + [len(blob) - header_size]
    result = []
    for (name_offset, data_offset), end in zip(entries, ends, strict=True):
        start = header_size + name_offset
        name = blob[start:blob.index(b"\0", start)].decode("ascii")
        result.append((name, blob[header_size + data_offset:header_size + end]))
    return result


def package(header: bytes, kept: list[tuple[str, bytes]]) -> bytes:
    """A common data package: header, table of contents (names sorted, as ICU searches it by
    bisection), names, then the items each on a 16-byte boundary."""
    kept = sorted(kept, key=lambda item: item[0].encode("ascii"))
    toc_size = 4 + 8 * len(kept)
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in kept)
    pad = lambda n: (-n) % 16  # noqa: E731
    position = toc_size + len(names)
    position += pad(len(header) + position)
    entries, name_offset, body = [], toc_size, b""
    for name, data in kept:
        entries.append(struct.pack("<II", name_offset, position + len(body)))
        name_offset += len(name) + 1
        body += data + b"\0" * pad(len(data))
    toc = struct.pack("<I", len(kept)) + b"".join(entries)
    head = header + toc + names
    return head + b"\0" * pad(len(head)) + body


def build(lib: Path, out_dir: Path) -> Path:
    symbol, blob = extract(lib)
    header_size = struct.unpack_from("<H", blob, 0)[0]
    everything = items(blob)
    kept = [(name, data) for name, data in everything if keep_item(name)]
    needed = {"coll/ucadata.icu", "coll/root.res", "coll/fr.res", "zoneinfo64.res", "metaZones.res",
              "zone/fr.res", "cnvalias.icu", "root.res", "fr.res", "pool.res", "res_index.res",
              "ibm-5348_P100-1997.cnv"}
    have = {name.split("/", 1)[1] for name, _ in kept}
    if needed - have:
        raise SystemExit(f"données ICU : il manque {sorted(needed - have)}")
    data = package(blob[:header_size], kept)
    if items(data) != sorted(kept, key=lambda item: item[0].encode("ascii")):
        raise SystemExit("données ICU : le paquet réécrit ne se relit pas à l'identique")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "icudata.dat").write_bytes(data)
    (out_dir / "icudata.s").write_text(
        f"""    .section .rodata
    .globl {symbol}
    .type {symbol}, @object
    .balign 16
{symbol}:
    .incbin "icudata.dat"
    .size {symbol}, . - {symbol}
    .section .note.GNU-stack,"",@progbits
""", encoding="ascii")
    soname = lib.name
    subprocess.run(["as", "-o", "icudata.o", "icudata.s"], cwd=out_dir, check=True)
    subprocess.run(["ld", "-shared", "-soname", soname, "-z", "noexecstack", "-o", soname, "icudata.o"],
                   cwd=out_dir, check=True)
    print(f"données ICU : {len(blob) / 2**20:.1f} → {len(data) / 2**20:.1f} Mio "
          f"({len(kept)} éléments sur {len(everything)})", file=sys.stderr)
    return out_dir / soname


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), Path(sys.argv[2])))
