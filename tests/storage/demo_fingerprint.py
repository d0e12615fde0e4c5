"""A generated demo vault, reduced to what does not change from one run to the next.

Ids are UUIDv7, strictly increasing within a process: ordered by id, each table's rows are in
the order the generator made them, so every id (in a column, a JSON list or a change snapshot)
is replaced by ``table#rank``. Timestamps of the generation (``created_at``, ``at``...) keep
their shape only (digits → 9), and the device code in referral references is masked. Two runs
with the same seed and day give the same fingerprint; so must a faster generator."""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
GENERATED = ("atelier_session", "beneficiary", "pathway_step", "barrier", "barrier_action", "consent",
             "registration", "referral", "pci_diagnostic", "prevention_pathway", "funding_line", "sas_interest")
VOLATILE = {"created_at", "updated_at", "registered_at", "at"}


def fingerprint(vault: Any) -> dict[str, Any]:
    from conseiller_app.domain.referral import device_code

    with vault.raw() as c:
        device = device_code(c.execute("SELECT value FROM setting WHERE key = 'device_id'").fetchone()[0] or "local")
        labels: dict[str, str] = {}
        for t in ("agency", "conseiller", *GENERATED):
            for k, (i,) in enumerate(c.execute(f"SELECT id FROM {t} ORDER BY id")):
                labels[i] = f"{t}#{k}"

        def canon(key: str, v: Any) -> Any:
            if key in VOLATILE and v is not None:
                return re.sub(r"\d", "9", str(v))
            if isinstance(v, str):
                return UUID.sub(lambda m: labels.get(m.group(0), "?"), v.replace(device, "DEV"))
            if isinstance(v, dict):
                return {k: canon(k, x) for k, x in v.items()}
            if isinstance(v, list):
                return [canon("", x) for x in v]
            return v

        digests: dict[str, str] = {}
        counts: dict[str, int] = {}
        for t in GENERATED:
            cur = c.execute(f"SELECT * FROM {t} ORDER BY id")
            cols = [d[0] for d in cur.description]
            rows = [[canon(k, v) for k, v in zip(cols, r, strict=True)] for r in cur]
            counts[t] = len(rows)
            digests[t] = hashlib.sha256(json.dumps([cols, rows], ensure_ascii=False).encode()).hexdigest()[:16]
        tokens = sorted(canon("", list(r)) for r in c.execute("SELECT token, sort_name, beneficiary_id FROM beneficiary_token"))
        digests["beneficiary_token"] = hashlib.sha256(json.dumps(tokens, ensure_ascii=False).encode()).hexdigest()[:16]
        changes = sorted(json.dumps([e, canon("", i), op, v, canon("", json.loads(d))], sort_keys=True, ensure_ascii=False)
                         for e, i, op, v, d in c.execute("SELECT entity, entity_id, op, version, data FROM change_log"))
        digests["change_log"] = hashlib.sha256("\n".join(changes).encode()).hexdigest()[:16]
        counts["change_log"] = len(changes)
        stages = Counter(f"{s}/{st}" for s, st in c.execute("SELECT stage, status FROM pathway_step"))
        furthest = Counter(s for (s,) in c.execute("SELECT current_stage FROM beneficiary"))
        settings = {k: v for k, v in c.execute("SELECT key, value FROM setting") if k not in ("device_id",)}
        audit = [a for (a,) in c.execute("SELECT action FROM audit_log ORDER BY seq")]
    return {"counts": counts, "steps": dict(sorted(stages.items())), "furthest": dict(sorted(furthest.items())),
            "digests": digests, "settings": sorted(settings), "audit": audit}
