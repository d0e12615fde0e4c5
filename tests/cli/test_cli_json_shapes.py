"""The ``--json`` output is a public interface: the services now return frozen dataclasses, and
``print_json`` prints them by their fields. These shapes are the ones the dictionaries had."""

from __future__ import annotations

import json

from conseiller_app.cli.common import print_json
from conseiller_app.storage.services import beneficiaries, followup

FILE_KEYS = {
    # the stored columns
    "id", "last_name", "first_name", "birth_date", "public", "phone", "email", "address", "commune_insee",
    "caf_number", "france_travail_id", "nationality", "rqth", "prescriber", "spotting_date", "referent_id",
    "status", "notes", "last_contact", "to_complete", "sort_name", "current_stage", "created_at", "updated_at",
    "version", "deleted_at",
    # the derived texts and the file's lists
    "commune_name", "postal_code", "territory", "age", "under_26", "referent_name", "phone_display",
    "public_label", "stage_label", "prescriber_label", "barriers", "consents", "steps",
}
BARRIER_KEYS = {"id", "type", "type_label", "subtype", "status", "status_label", "identified_on", "lifted_on",
                "version", "actions"}
ACTION_KEYS = {"id", "offer_code", "done_on", "comment"}
CONSENT_KEYS = {"id", "partner_kind", "partner_id", "partner_name", "scope", "given_on", "withdrawn_on",
                "recorded_by"}
STEP_KEYS = {"id", "stage", "stage_label", "status", "status_label", "reason", "comment", "proposed_on",
             "planned_start", "planned_end", "actual_start", "actual_end", "outcome", "scheme", "funder",
             "funded_amount_cents"}


def test_beneficiary_show_json_keeps_the_keys_of_the_file(ctx, capsys):
    bid = beneficiaries.create(ctx, {"last_name": "Lefèvre", "first_name": "Zoé", "birth_date": "1990-04-05",
                                     "commune": "Arras", "public": "rsa", "phone": "06 12 34 56 78"})
    barrier = followup.add_barrier(ctx, bid, "mobilite", "pas_de_permis")
    followup.add_barrier_action(ctx, barrier, "ma_mobilite_62", "Dossier déposé")
    followup.record_consent(ctx, bid, partner_kind="autre", partner_name="Mission locale d'Arras",
                            scope=["identite", "contact"])
    print_json(beneficiaries.get(ctx, bid, record_read=False))
    shown = json.loads(capsys.readouterr().out)
    assert set(shown) == FILE_KEYS
    assert set(shown["barriers"][0]) == BARRIER_KEYS and set(shown["barriers"][0]["actions"][0]) == ACTION_KEYS
    assert set(shown["consents"][0]) == CONSENT_KEYS and set(shown["steps"][0]) == STEP_KEYS
    # values as before: dates in ISO form, the scope a list, codes (not labels) under the codes' keys
    assert shown["birth_date"] == "1990-04-05" and shown["phone"] == "+33612345678"
    assert shown["phone_display"] == "06 12 34 56 78" and shown["age"] >= 36
    assert shown["consents"][0]["scope"] == ["identite", "contact"]
    assert shown["barriers"][0]["actions"][0]["offer_code"] == "ma_mobilite_62"
    assert (shown["steps"][0]["stage"], shown["steps"][0]["status"]) == ("reperage", "realisee")
