"""Operations run on the database worker (``worker.submit(op, ...)`` calls ``op(ctx, ...)``).

Each composes services and returns plain data: no widget, no Qt, no ORM object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conseiller_app.storage.services import beneficiaries, drafts, followup, reference, search


def session_info(ctx) -> dict[str, Any]:
    """Who acts and the clock (a plain callable, safe to call from the GUI thread)."""
    return {"today": ctx.today, "actor": dict(ctx.actor)}


def reference_lists(ctx) -> dict[str, Any]:
    return {
        "territories": reference.territories(ctx),
        "conseillers": reference.conseillers(ctx),
        "communes": reference.communes(ctx),
        "offers": reference.offers(ctx),
        "agencies": reference.agencies(ctx),
    }


def search_first_page(ctx, query: search.Query, page_size: int) -> tuple[list[str], dict[str, search.FileRow]]:
    """All matching ids in order, with the rows of the first page (saves a round trip)."""
    ids = search.search_ids(ctx, query)
    return ids, search.rows(ctx, ids[:page_size])


def page_rows(ctx, ids: list[str]) -> dict[str, search.FileRow]:
    """The rows of one page of the list (any page after the first)."""
    return search.rows(ctx, ids)


def draft_key(beneficiary_id: str) -> str:
    return f"beneficiary:{beneficiary_id}"


def open_file(ctx, beneficiary_id: str, *, record_read: bool = True) -> dict[str, Any]:
    """A file's data (recording the read), its audit trail and its pending draft, if any."""
    data = beneficiaries.get(ctx, beneficiary_id, record_read=record_read)
    return {
        "data": data,
        "audit": followup.audit_trail(ctx, beneficiary_id),
        "draft": drafts.load(ctx, draft_key(beneficiary_id)),
    }


def reload_file(ctx, beneficiary_id: str) -> dict[str, Any]:
    """Refresh after a change made here: not a new consultation, so no 'read' entry."""
    return {
        "data": beneficiaries.get(ctx, beneficiary_id, record_read=False),
        "audit": followup.audit_trail(ctx, beneficiary_id),
    }


def pending_drafts(ctx) -> list[dict[str, Any]]:
    """Drafts left by a previous session (crash, closed window), oldest first."""
    out = []
    for key in drafts.keys(ctx):
        if not (key.startswith("beneficiary:") or key.startswith("new:")):
            continue
        data = drafts.load(ctx, key) or {}
        out.append({"key": key, "title": data.get("title", ""), "saved_at": data.get("saved_at", ""),
                    "beneficiary_id": data.get("beneficiary_id"), "draft": data})
    return out


@dataclass(frozen=True)
class Saved:
    """What one « Enregistrer » did: the file written (created or updated), read back."""

    beneficiary_id: str
    created: bool
    data: beneficiaries.FileView
    audit: list[followup.AuditRow]


def create_file(ctx, data: dict[str, Any], draft: str | None) -> Saved:
    """Create the file, drop its draft, read it back: one worker operation for the user's action."""
    new_id = beneficiaries.create(ctx, data)
    if draft:
        drafts.discard(ctx, draft)
    return Saved(new_id, True, **reload_file(ctx, new_id))


def save_file(ctx, beneficiary_id: str, changes: dict[str, Any], expected_version: int) -> Saved:
    """Update the file (refused if changed since ``expected_version``), drop its draft, read it back."""
    beneficiaries.update(ctx, beneficiary_id, changes, expected_version)
    drafts.discard(ctx, draft_key(beneficiary_id))
    return Saved(beneficiary_id, False, **reload_file(ctx, beneficiary_id))


def environment(ctx) -> dict[str, Any]:
    """Everything the page needs once per opened vault: clock, conseiller, reference lists."""
    return {**session_info(ctx), **reference_lists(ctx)}
