"""Services as units with a public in-transaction API: the guided orientation's commit handles
every wizard operation through its table (a barrier noted in the wizard stored, then its offer
on the stored barrier), and no service reaches into another's private helpers."""

from __future__ import annotations

import ast
from pathlib import Path

from conseiller_app.domain import orientation_wizard as W
from conseiller_app.storage import services
from conseiller_app.storage.services import beneficiaries, orientation

SERVICES = Path(services.__file__).parent


def test_commit_table_covers_every_operation():
    for cls in W.OPERATIONS.values():
        op = cls.__new__(cls)  # the handler is chosen by the operation's type alone
        assert callable(orientation.COMMIT.handler(op)), cls.__name__


def test_barrier_noted_in_the_wizard_is_stored_with_its_offer(ctx):
    bid = beneficiaries.create(ctx, {"last_name": "Lefèvre", "first_name": "Zoé", "birth_date": "1990-05-04",
                                     "commune": "Arras", "public": "rsa"})
    w = orientation.open_wizard(ctx, bid)
    w.add_barrier("logement")
    pending = w.barrier_review()[0]["barrier_id"]
    w.use_offer(pending, "fastt_logement")
    orientation.commit(ctx, bid, w.operations)
    f = beneficiaries.get(ctx, bid, record_read=False)
    assert [(b.type, b.status) for b in f.barriers] == [("logement", "en_cours")]
    assert f.barriers[0].actions[0].offer_code == "fastt_logement"


def test_no_service_uses_another_services_private_helpers():
    """``from …services.x import _name`` or ``x_service._name(…)`` across service modules."""
    offenders = []
    modules = {p.stem for p in SERVICES.glob("*.py")}
    for path in SERVICES.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                    "conseiller_app.storage.services"):
                for n in node.names:
                    if n.name.startswith("_"):
                        offenders.append(f"{path.name}: imports {node.module}.{n.name}")
                    if n.name in modules:
                        aliases[n.asname or n.name] = n.name
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr.startswith("_") \
                    and not node.attr.startswith("__") and (node.value.id in aliases or node.value.id.endswith("_service")):
                offenders.append(f"{path.name}: {node.value.id}.{node.attr}")
    assert offenders == []
