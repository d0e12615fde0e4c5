"""Search as you type: what the list's worker runs for each key (matching ids in order + the rows
of the first page), through the services, against the very same SQL on a raw ``sqlcipher3``
connection, and the same raw workload on a plain SQLite copy (stdlib ``sqlite3``).

The words typed are taken from the vault (last names, first names, communes, picked with the
seed); each is typed one letter at a time, from 1 to 6 letters. For each query the variants run
back to back, in a rotating order, so that they share the machine's state of the moment.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections import defaultdict

from benchmarks.common import Aim, Result, percentile
from benchmarks.vaults import PASSPHRASE, TODAY, CachedVault

PAGE = 100  # the list model's page size


def pick_words(conn, seed: int) -> list[str]:
    rng = random.Random(seed)

    def distinct(sql: str) -> list[str]:
        return sorted({r[0] for r in conn.execute(sql) if r[0]})

    lasts = distinct("SELECT last_name FROM beneficiary")
    firsts = distinct("SELECT first_name FROM beneficiary")
    communes = distinct("SELECT c.name FROM commune c WHERE c.insee IN (SELECT commune_insee FROM beneficiary)")
    return rng.sample(lasts, 7) + rng.sample(firsts, 4) + rng.sample(communes, 2)


def queries(words: list[str]) -> list[str]:
    out = []
    for w in words:
        for k in range(1, min(6, len(w)) + 1):
            out.append(w[:k])
    return out


class RawRunner:
    """The service's very SQL and parameters, run on a DB-API connection: the same statements in
    the same order (hidden-files check, ids, first page's rows), the ids unpacked the same way."""

    def __init__(self, conn, search) -> None:
        self.conn = conn
        self.search = search

    def run(self, q) -> tuple[float, list]:
        search, conn = self.search, self.conn
        t = time.perf_counter()
        hidden = True
        if search.needs_hidden_check(q):
            hidden = bool(conn.execute(*search.hidden_sql()).fetchone()[0])
        ids = search.split_ids(conn.execute(*search.ids_sql(q, None, hidden)).fetchone()[0])
        if ids:
            conn.execute(*search.rows_sql(ids[:PAGE])).fetchall()
        return time.perf_counter() - t, ids


def measure(cv: CachedVault, runs: int, warmup: int = 1) -> list[Result]:
    import sqlcipher3

    from conseiller_app.storage import cipher
    from conseiller_app.storage.services import Context, search
    from conseiller_app.storage.vault import Vault
    from conseiller_app.ui.beneficiaries.operations import search_first_page

    folder = cv.working_copy("recherche")
    vault = Vault.open(folder, PASSPHRASE)
    ctx = Context(vault, today=lambda: TODAY)
    enc = cipher.connect(folder / "coffre.db", PASSPHRASE)
    cache_size = enc.execute("PRAGMA cache_size").fetchone()[0]
    temp_store = enc.execute("PRAGMA temp_store").fetchone()[0]
    plain_uri = f"file:{cv.plain}?mode=ro"
    plain = sqlite3.connect(plain_uri, uri=True, isolation_level=None)
    plain_same_engine = sqlcipher3.connect(plain_uri, uri=True, isolation_level=None)
    for c in (plain, plain_same_engine):
        c.execute(f"PRAGMA cache_size = {int(cache_size)}")
        c.execute(f"PRAGMA temp_store = {int(temp_store)}")
    versions = {"sqlcipher3 (SQLCipher)": enc.execute("SELECT sqlite_version()").fetchone()[0],
                "sqlite3 (bibliothèque standard)": plain.execute("SELECT sqlite_version()").fetchone()[0]}
    words = pick_words(enc, cv.seed)
    typed = queries(words)

    def service(text: str):
        # The list's worker operation itself: all matching ids, then the first page's rows.
        t = time.perf_counter()
        ids, _rows = search_first_page(ctx, search.Query(text=text), PAGE)
        return time.perf_counter() - t, ids

    runners = {"enc": RawRunner(enc, search), "plain": RawRunner(plain, search),
               "plain_sqlcipher": RawRunner(plain_same_engine, search)}
    per_query: dict[str, list[float]] = defaultdict(list)
    by_length: dict[int, list[float]] = defaultdict(list)
    totals: dict[str, list[float]] = defaultdict(list)
    results_count: dict[str, int] = {}
    for run in range(warmup + runs):
        pass_total: dict[str, float] = defaultdict(float)
        for n, text in enumerate(typed):
            order = ["service", "enc", "plain", "plain_sqlcipher"]
            shift = (run + n) % len(order)
            found = {}
            for variant in order[shift:] + order[:shift]:
                if variant == "service":
                    seconds, ids = service(text)
                else:
                    seconds, ids = runners[variant].run(search.Query(text=text))
                found[variant] = ids
                pass_total[variant] += seconds
                if run >= warmup:
                    per_query[variant].append(seconds)
                    if variant == "service":
                        by_length[len(text)].append(seconds)
            if len({tuple(v) for v in found.values()}) != 1:
                raise AssertionError(f"résultats différents selon la variante pour « {text} »")
            results_count[text] = len(found["service"])
        if run >= warmup:
            for variant, seconds in pass_total.items():
                totals[variant].append(seconds)

    vault.close()
    for c in (enc, plain, plain_same_engine):
        c.close()

    sayt = Result("search_as_you_type", "recherche à la frappe, 1 à 6 lettres", unit="ms",
                  samples=per_query["service"], baseline_label="même SQL, sqlcipher3 brut",
                  baseline=per_query["enc"], aim=Aim("p95", "<", 15), ratio_max=1.5, warmup=warmup)
    sayt.extra = {
        "words": words, "queries_per_pass": len(typed),
        "p95_ms_by_letters": {k: round(percentile(v, 95) * 1000, 2) for k, v in sorted(by_length.items())},
        "matching_files": results_count,
    }
    sayt.notes.append(f"{len(typed)} requêtes par passe ({len(words)} mots tapés lettre à lettre), {runs} passes "
                      f"mesurées après {warmup} d'échauffement ; chaque échantillon est une requête.")
    workload = Result("encrypted_vs_plain", "même charge SQL, chiffrée / en clair",
                      unit="ms", samples=totals["enc"], baseline_label="sqlite3 en clair",
                      baseline=totals["plain"], ratio_max=1.3, warmup=warmup)
    plain_engine = sorted(totals["plain_sqlcipher"])
    workload.extra = {
        "sqlite_versions": versions,
        "pass_ms_plain_copy_same_engine_median": round(plain_engine[len(plain_engine) // 2] * 1000, 2)
        if plain_engine else None,
        "cache_size": cache_size,
    }
    workload.notes.append(
        "Chaque échantillon est une passe complète de la recherche à la frappe. Copie en clair faite par "
        "sqlcipher_export (même schéma, mêmes données), mêmes réglages de cache ; la même copie lue par sqlcipher3 "
        "sans clé (même moteur SQLite que le coffre) est donnée à part pour séparer le coût du chiffrement de "
        "celui de la version de SQLite.")
    return [sayt, workload]
