"""The beneficiary file editor: creation with validation, duplicates, saving, drafts, lock,
closing with unsaved changes, barriers, consents, history, errors."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt

from conseiller_app.storage.services import beneficiaries, drafts, followup
from conseiller_app.ui.beneficiaries import dialogs
from conseiller_app.ui.beneficiaries import operations as ops
from conseiller_app.ui.beneficiaries.errors import generic_message
from tests.ui.test_beneficiaries_support import OFFSCREEN_NOISE, make_file, open_page, type_text, wait_results

pytestmark = OFFSCREEN_NOISE


def fill(editor, **values) -> None:
    """Set fields as the conseiller would (text typed, combo chosen)."""
    for field, value in values.items():
        if field == "notes":
            editor.notes.edit.setPlainText(value)
            continue
        w = editor.identity.widget_of(field)
        if hasattr(w, "findData"):
            w.setCurrentIndex(w.findData(value))
            w.activated.emit(w.currentIndex())
        elif hasattr(w, "setChecked"):
            w.setChecked(bool(value))
        else:
            w.setText(value)
            w.editingFinished.emit()


def count_files(ctx) -> int:
    return beneficiaries.count(ctx)


def open_existing(qtbot, page, beneficiary_id):
    page.open_file(beneficiary_id)
    qtbot.waitUntil(lambda: page.current_editor() is not None and page.current_editor()._data is not None)
    return page.current_editor()


# --- creation -----------------------------------------------------------------------------------


def test_new_file_shows_each_fields_french_error_and_saves_nothing_until_valid(qtbot, ctx, sync_worker):
    page = open_page(qtbot, sync_worker)
    page.new_file()
    editor = page.current_editor()
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Nouveau dossier"
    assert editor.focusWidget() is editor.identity.widget_of("last_name")
    assert not editor.tabs.isTabEnabled(editor.TAB_BARRIERS)

    fill(editor, first_name="Jean", birth_date="31/02/1990", email="pas-un-email", phone="12", caf_number="12ab")
    page.save_current()
    assert editor.field_errors() == {
        "last_name": "Ce champ est obligatoire.",
        "birth_date": "Cette date n'existe pas dans le calendrier.",
        "public": "Ce champ est obligatoire.",
        "commune": "Ce champ est obligatoire.",
        "phone": "Ce n'est pas un numéro de téléphone français valide.",
        "email": "Adresse e-mail invalide (ex. prenom.nom@exemple.fr).",
        "caf_number": "Le numéro d'allocataire CAF compte 7 chiffres.",
    }
    assert editor.identity.rows["email"].error.isVisible()
    assert count_files(ctx) == 0
    assert editor.beneficiary_id is None

    # Fixing a field clears its message as soon as it is left.
    fill(editor, email="jean.dupont@exemple.fr")
    assert "email" not in editor.field_errors()
    # « jeune » needs an age under 26: the message sits next to the public.
    fill(editor, last_name="Dupont", birth_date="14/07/1980", public="jeune", commune="Bapaume", phone="06 12 34 56 78",
         caf_number="")
    assert editor.field_errors() == {
        "public": "Le public « jeune » concerne les moins de 26 ans : vérifiez la date de naissance ou le public."}
    page.save_current()
    assert count_files(ctx) == 0

    fill(editor, public="rsa", commune="bapaume")
    page.save_current()
    qtbot.waitUntil(lambda: editor.beneficiary_id is not None)
    assert editor.field_errors() == {}
    assert count_files(ctx) == 1
    saved = beneficiaries.get(ctx, editor.beneficiary_id, record_read=False)
    assert (saved.last_name, saved.commune_name, saved.phone) == ("Dupont", "Bapaume", "+33612345678")
    # The prescripteur left at « — Non précisé — » stays so (it used to become « Autre prescripteur »).
    assert saved.prescriber_label == "Non précisé"
    assert editor.identity.widget_of("prescriber").currentText() == "— Non précisé —"
    assert page.tabs.tabText(page.tabs.currentIndex()) == "DUPONT Jean"
    assert editor.tabs.isTabEnabled(editor.TAB_BARRIERS)
    assert not editor.is_dirty()
    wait_results(qtbot, page, 1)  # the list was refreshed
    assert drafts.keys(ctx) == []


def test_commune_completer_ignores_accents(qtbot, sync_worker):
    page = open_page(qtbot, sync_worker)
    page.new_file()
    edit = page.current_editor().identity.widget_of("commune")
    completer = edit.completer()
    completer.setCompletionPrefix("bethun")
    shown = [completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())]
    assert "Béthune (62400)" in shown
    completer.setCompletionPrefix("62400")
    assert completer.completionCount() >= 1
    index = completer.completionModel().index(0, 0)
    assert completer.pathFromIndex(index) == index.data(Qt.ItemDataRole.EditRole)


def test_duplicate_warning_offers_to_open_the_existing_file_or_create_anyway(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    page.new_file()
    editor = page.current_editor()
    fill(editor, last_name="LEFEVRE", first_name="amélie", birth_date="12/03/1985", public="rsa", commune="Arras")
    page.save_current()
    box = editor.duplicate_box
    assert box is not None and box.isVisible()
    assert box.text().startswith("Un dossier semblable existe déjà : LEFÈVRE Amélie, né·e le 12/03/1985, Arras")
    dialogs.click(box, "Annuler")
    assert editor.duplicate_box is None
    assert count_files(ctx) == 6

    page.save_current()
    dialogs.click(editor.duplicate_box, "Ouvrir le dossier existant")
    qtbot.waitUntil(lambda: page.current_editor() is not editor)
    assert page.current_editor().beneficiary_id == people["Lefèvre"]
    assert count_files(ctx) == 6
    assert editor.is_dirty()  # the new file is still there, as typed

    page.tabs.setCurrentWidget(editor)
    page.save_current()
    dialogs.click(editor.duplicate_box, "Créer quand même")
    qtbot.waitUntil(lambda: editor.beneficiary_id is not None)
    assert count_files(ctx) == 7


def test_same_caf_number_is_a_probable_duplicate(qtbot, ctx, sync_worker):
    make_file(ctx, "Bernard", "Lucie", caf_number="1234567")
    page = open_page(qtbot, sync_worker)
    page.new_file()
    editor = page.current_editor()
    fill(editor, last_name="Moreau", first_name="Julie", birth_date="01/01/1991", public="autre", commune="Lens",
         caf_number="123 45 67")
    page.save_current()
    assert "(même numéro CAF)" in editor.duplicate_box.text()
    dialogs.click(editor.duplicate_box, "Annuler")


# --- editing ----------------------------------------------------------------------------------------


def test_editing_and_saving_bumps_the_version_and_journals_the_update(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Martin"])
    assert editor.identity.widget_of("first_name").text() == "Paul"
    assert editor.summary_label.text().startswith("48 ans · Suite de parcours IAE · Béthune (Artois)")
    assert editor.state_label.text() == "Enregistré"
    before = beneficiaries.get(ctx, people["Martin"], record_read=False).version

    edit = editor.identity.widget_of("phone")
    edit.setFocus()
    qtbot.keyClicks(edit, "0321000000")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert editor.is_dirty()
    assert page.tabs.tabText(1) == "MARTIN Paul *"
    assert editor.state_label.text() == "Modifications non enregistrées"
    assert page.has_unsaved_changes()
    fill(editor, address="3 rue des Écoles", notes="Rendez-vous pris le 02/12.")
    page.save_current()
    qtbot.waitUntil(lambda: not editor.is_dirty())

    after = beneficiaries.get(ctx, people["Martin"], record_read=False)
    assert after.version == before + 1
    assert (after.phone, after.address, after.notes) == ("+33321000000", "3 rue des Écoles",
                                                                  "Rendez-vous pris le 02/12.")
    assert editor.identity.widget_of("phone").text() == "03 21 00 00 00"  # shown as stored
    trail = followup.audit_trail(ctx, people["Martin"])
    assert trail[0].action == "update"
    assert trail[0].details["fields"] == ["address", "notes", "phone"]
    assert page.tabs.tabText(1) == "MARTIN Paul"
    assert not page.has_unsaved_changes()
    assert editor.history.entries()[0] == ("Marie Dupont", "Modification")
    assert ("Marie Dupont", "Consultation") in editor.history.entries()


def test_invalid_edit_is_refused_field_by_field(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Petit"])
    fill(editor, last_name="P3tit", notes="NIR 1 85 03 62 041 123 45")
    page.save_current()
    assert editor.field_errors() == {
        "last_name": "Seules les lettres, les apostrophes, les traits d'union et les espaces sont acceptés.",
        "notes": "Ce texte semble contenir un numéro de sécurité sociale (NIR), qui ne doit jamais être enregistré.",
    }
    assert beneficiaries.get(ctx, people["Petit"], record_read=False).version == 1


def test_someone_else_saved_first(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Dubois"])
    beneficiaries.update(ctx, people["Dubois"], {"address": "ailleurs"}, 1)
    fill(editor, first_name="Kevin")
    page.save_current()
    assert "modifié entre-temps" in editor.message_banner.label.text()
    assert editor.is_dirty()


def test_opening_a_file_is_in_its_history(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Dubois"])
    editor.tabs.setCurrentIndex(editor.TAB_HISTORY)
    assert editor.history.entries()[0] == ("Marie Dupont", "Consultation")
    assert editor.history.entries()[-1] == ("Marie Dupont", "Création du dossier")
    assert followup.audit_trail(ctx, people["Dubois"])[0].action == "read"


def test_notes_tab_reminds_factual_notes_only(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Dubois"])
    editor.tabs.setCurrentIndex(editor.TAB_NOTES)
    assert editor.notes.reminder.isVisible()
    assert editor.notes.reminder.text() == "Notes factuelles uniquement : aucune information de santé."


# --- closing, drafts, lock ---------------------------------------------------------------------------


def test_closing_a_tab_with_unsaved_changes_asks(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Petit"])
    fill(editor, first_name="Sara")
    page.close_tab(1)
    box = editor.close_box
    assert box is not None and box.isVisible()
    assert [b.text() for b in box.buttons()] == ["Enregistrer", "Ignorer", "Annuler"] or \
        sorted(b.text() for b in box.buttons()) == ["Annuler", "Enregistrer", "Ignorer"]
    dialogs.click(box, "Annuler")
    assert page.tabs.count() == 2 and editor.is_dirty()

    page.close_tab(1)
    dialogs.click(editor.close_box, "Enregistrer")
    qtbot.waitUntil(lambda: page.tabs.count() == 1)
    assert beneficiaries.get(ctx, people["Petit"], record_read=False).first_name == "Sara"

    editor = open_existing(qtbot, page, people["Petit"])
    fill(editor, first_name="Sarah-Lou")
    editor.save_draft()
    assert drafts.load(ctx, ops.draft_key(people["Petit"])) is not None
    page.close_tab(1)
    dialogs.click(editor.close_box, "Ignorer")
    assert page.tabs.count() == 1
    assert beneficiaries.get(ctx, people["Petit"], record_read=False).first_name == "Sara"
    assert drafts.keys(ctx) == []  # « Ignorer » abandons the draft too

    editor = open_existing(qtbot, page, people["Petit"])
    page.close_tab(1)  # nothing changed: closes without asking
    assert editor.close_box is None and page.tabs.count() == 1


def test_unsaved_edit_is_autosaved_as_an_encrypted_draft(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Martin"])
    type_text(qtbot, editor.identity.widget_of("address"), "12 rue Émile Zola")
    qtbot.waitUntil(lambda: drafts.load(ctx, ops.draft_key(people["Martin"])) is not None, timeout=3000)
    draft = drafts.load(ctx, ops.draft_key(people["Martin"]))
    assert draft["form"]["address"] == "12 rue Émile Zola"
    assert draft["title"] == "MARTIN Paul"
    # Back to the saved value: the draft goes away.
    editor.identity.widget_of("address").clear()
    qtbot.waitUntil(lambda: drafts.keys(ctx) == [], timeout=3000)


def test_draft_survives_lock_and_unlock_with_views_cleared(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    wait_results(qtbot, page, 6)
    editor = open_existing(qtbot, page, people["Martin"])
    fill(editor, first_name="Paul-Henri", notes="Appel le 03/12")
    editor.tabs.setCurrentIndex(editor.TAB_NOTES)
    page.new_file()
    fresh = page.current_editor()
    fill(fresh, last_name="Nouveau", first_name="Né")

    page.lock()
    # Every view holding personal data is empty; the tabs no longer show names.
    assert editor.identity.widget_of("first_name").text() == ""
    assert editor.identity.widget_of("commune").text() == ""
    assert editor.notes.text() == ""
    assert editor.name_label.text() == "" and editor.summary_label.text() == ""
    assert editor.history.table.rowCount() == 0 and editor.pathway.table.rowCount() == 0
    assert fresh.identity.widget_of("last_name").text() == ""
    assert [page.tabs.tabText(i) for i in (1, 2)] == ["Dossier", "Dossier"]
    assert page.list_page.model.rowCount() == 0
    # ... and the edits were saved as drafts before the vault closes.
    assert drafts.load(ctx, ops.draft_key(people["Martin"]))["form"]["first_name"] == "Paul-Henri"
    assert drafts.load(ctx, fresh.draft_key)["form"]["last_name"] == "Nouveau"
    assert page.has_unsaved_changes()

    page.unlock()
    assert editor.identity.widget_of("first_name").text() == "Paul-Henri"
    assert editor.notes.text() == "Appel le 03/12"
    assert editor.tabs.currentIndex() == editor.TAB_NOTES
    assert fresh.identity.widget_of("last_name").text() == "Nouveau"
    assert editor.is_dirty() and fresh.is_dirty()
    qtbot.waitUntil(lambda: editor.name_label.text() == "MARTIN Paul")
    assert page.tabs.tabText(1) == "MARTIN Paul *"
    wait_results(qtbot, page, 6)
    page.tabs.setCurrentWidget(editor)
    page.save_current()
    qtbot.waitUntil(lambda: not editor.is_dirty())
    assert beneficiaries.get(ctx, people["Martin"], record_read=False).first_name == "Paul-Henri"


def test_lock_with_the_real_worker_queues_drafts_before_the_vault_closes(qtbot, ctx, people, threaded_worker):
    page = open_page(qtbot, threaded_worker)
    page.open_file(people["Dubois"])
    qtbot.waitUntil(lambda: page.current_editor() is not None and page.current_editor()._data is not None)
    editor = page.current_editor()
    fill(editor, address="5 place du Marché")
    page.lock()
    done = []
    threaded_worker.submit(lambda c: drafts.load(c, ops.draft_key(people["Dubois"])), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done))
    assert done[0]["form"]["address"] == "5 place du Marché"
    page.unlock()
    assert editor.identity.widget_of("address").text() == "5 place du Marché"


def test_restart_offers_the_drafts_back(qtbot, ctx, people, sync_worker):
    from conseiller_app.ui.worker import DbWorker

    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Lefèvre"])
    fill(editor, phone="06 11 22 33 44")
    page.new_file()
    fill(page.current_editor(), last_name="Carpentier", first_name="Léa")
    for e in page.editors():
        e.save_draft()
    # A crash: the page goes away without closing anything.
    page.hide()
    with qtbot.waitSignal(page.destroyed):
        page.deleteLater()

    worker = DbWorker(synchronous=True)
    worker.submit(lambda: worker.set_context(ctx), needs_vault=False)
    again = open_page(qtbot, worker)
    assert again.drafts_banner.isVisible()
    text = again.drafts_banner.label.text()
    assert text == "Saisies non enregistrées retrouvées : LEFÈVRE Amélie, CARPENTIER Léa (nouveau dossier)."
    qtbot.mouseClick(again.reopen_button, Qt.MouseButton.LeftButton)
    assert not again.drafts_banner.isVisible()
    assert again.tabs.count() == 3
    by_title = {e.title(): e for e in again.editors()}
    assert by_title["LEFÈVRE Amélie"].identity.widget_of("phone").text() == "06 11 22 33 44"
    assert by_title["LEFÈVRE Amélie"].is_dirty()
    assert by_title["Nouveau dossier"].identity.widget_of("first_name").text() == "Léa"
    page_new = by_title["Nouveau dossier"]
    fill(page_new, birth_date="01/01/1995", public="rsa", commune="Arras")
    again.tabs.setCurrentWidget(page_new)
    again.save_current()
    qtbot.waitUntil(lambda: page_new.beneficiary_id is not None)
    assert [k for k in drafts.keys(ctx) if k.startswith("new:")] == []


def test_opening_a_file_with_a_draft_offers_it(qtbot, ctx, people, sync_worker):
    key = ops.draft_key(people["Petit"])
    form = {"first_name": "Sarah", "last_name": "Petit-Durand"}
    drafts.save(ctx, key, {"form": form, "beneficiary_id": people["Petit"], "base_version": 1,
                           "title": "PETIT-DURAND Sarah", "saved_at": "2026-11-27T16:05:00"})
    page = open_page(qtbot, sync_worker)
    qtbot.mouseClick(page.drafts_banner.buttons[1], Qt.MouseButton.LeftButton)  # « Plus tard »
    editor = open_existing(qtbot, page, people["Petit"])
    assert editor.draft_banner.isVisible()
    assert "(du 27/11/2026 à 16:05)" in editor.draft_banner.label.text()
    assert editor.identity.widget_of("last_name").text() == "Petit"  # nothing applied yet
    fill(editor, address="typed meanwhile")
    editor.save_draft()
    assert drafts.load(ctx, key)["form"]["last_name"] == "Petit-Durand"  # the offered draft is kept
    editor.accept_offered_draft()
    assert editor.identity.widget_of("last_name").text() == "Petit-Durand"
    assert editor.identity.widget_of("first_name").text() == "Sarah"
    assert editor.is_dirty()
    editor.reject_offered_draft()  # nothing offered any more: harmless


def test_rejecting_an_offered_draft_deletes_it(qtbot, ctx, people, sync_worker):
    key = ops.draft_key(people["Petit"])
    drafts.save(ctx, key, {"form": {"first_name": "Zoé"}, "saved_at": "2026-11-27T16:05:00"})
    page = open_page(qtbot, sync_worker)
    page.drafts_banner.clear()
    editor = open_existing(qtbot, page, people["Petit"])
    editor.reject_offered_draft()
    assert drafts.keys(ctx) == []
    assert not editor.is_dirty()


# --- barriers and consents ---------------------------------------------------------------------


def test_barriers_add_change_status_and_action(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Dubois"])
    tab = editor.barriers
    editor.tabs.setCurrentIndex(editor.TAB_BARRIERS)
    assert tab.empty_label.isVisible()
    tab.type_combo.setCurrentIndex(tab.type_combo.findData("mobilite"))
    tab.subtype_combo.setCurrentIndex(tab.subtype_combo.findData("pas_de_permis"))
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert tab.tree.topLevelItemCount() == 1
    assert tab.tree.topLevelItem(0).text(0) == "Mobilité — Pas de permis"
    assert tab.tree.topLevelItem(0).text(1) == "Identifié"

    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)  # the same barrier again
    assert tab.error_line.text() == "Type de frein : ce frein est déjà ouvert sur ce dossier."

    tab.tree.setCurrentItem(tab.tree.topLevelItem(0))
    assert tab.offer_combo.currentData() == "ma_mobilite_62"  # offers for mobility come first
    tab.comment_edit.setText("Inscription à l'auto-école sociale")
    qtbot.mouseClick(tab.action_button, Qt.MouseButton.LeftButton)
    item = tab.tree.topLevelItem(0)
    assert item.text(1) == "En cours de levée" and item.childCount() == 1
    assert item.child(0).text(0) == "ma mobilité 62"
    assert item.child(0).text(3) == "Inscription à l'auto-école sociale"

    tab.tree.setCurrentItem(tab.tree.topLevelItem(0))
    tab.status_combo.setCurrentIndex(tab.status_combo.findData("leve"))
    qtbot.mouseClick(tab.status_button, Qt.MouseButton.LeftButton)
    assert tab.tree.topLevelItem(0).text(1) == "Levé"
    barrier = beneficiaries.get(ctx, people["Dubois"], record_read=False).barriers[0]
    assert (barrier.status, len(barrier.actions)) == ("leve", 1)
    assert [e[1] for e in editor.history.entries()[:3]] == ["Frein mis à jour", "Action sur un frein", "Frein ajouté"]

    # A health barrier is a yes/no: no comment can be typed on it.
    tab.type_combo.setCurrentIndex(tab.type_combo.findData("sante"))
    assert tab.health_note.isVisible() and not tab.subtype_combo.isEnabled()
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    # The barrier just added is the selected one (the previous one stayed selected: an action
    # typed next landed on the wrong barrier).
    health = beneficiaries.get(ctx, people["Dubois"], record_read=False).barriers[1]
    assert tab.selected_barrier().id == health.id
    assert not tab.comment_edit.isEnabled()

    # Only the offers for the selected kind of barrier are listed.
    tab.type_combo.setCurrentIndex(tab.type_combo.findData("logement"))
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert tab.selected_barrier().type == "logement"
    offers = [tab.offer_combo.itemData(i) for i in range(tab.offer_combo.count())]
    assert offers == ["fastt_logement", "dept_logement", None]


def test_consents_record_and_withdraw(qtbot, ctx, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Dubois"])
    tab = editor.consents
    editor.tabs.setCurrentIndex(editor.TAB_CONSENTS)
    assert tab.who_label.text() == "Marie Dupont"
    assert tab.date_edit.text() == "28/11/2026"
    assert tab.empty_label.isVisible()
    # An agency is picked in the directory, not typed: a typed name would never match a referral.
    assert tab.kind_combo.currentData() == "agence"
    assert tab.agency_combo.isVisible() and not tab.partner_edit.isVisible()
    tab.scope_boxes["identite"].setChecked(True)
    qtbot.mouseClick(tab.record_button, Qt.MouseButton.LeftButton)
    assert tab.error_line.text().startswith("Partenaire : choisissez l'agence dans l'annuaire")
    tab.scope_boxes["identite"].setChecked(False)
    tab.agency_combo.setCurrentIndex(tab.agency_combo.findText("Intérim Exemple Arras (fictive)"))
    qtbot.mouseClick(tab.record_button, Qt.MouseButton.LeftButton)
    assert tab.error_line.text() == "Périmètre : cochez au moins une catégorie de données partagées."
    tab.scope_boxes["identite"].setChecked(True)
    tab.scope_boxes["contact"].setChecked(True)
    tab.date_edit.setText("30/11/2026")
    qtbot.mouseClick(tab.record_button, Qt.MouseButton.LeftButton)
    assert tab.error_line.text() == "Date du consentement : cette date est dans le futur."
    tab.date_edit.setText("27/11/2026")
    qtbot.mouseClick(tab.record_button, Qt.MouseButton.LeftButton)
    assert tab.table.rowCount() == 1
    row = [tab.table.item(0, c).text() for c in range(6)]
    assert row == ["Intérim Exemple Arras (fictive)", "Agence d'emploi", "Identité, Coordonnées", "27/11/2026",
                   "Marie Dupont", "Actif"]
    assert tab.agency_combo.currentData() is None  # the form is ready for the next one
    saved = beneficiaries.get(ctx, people["Dubois"], record_read=False).consents[0]
    assert saved.partner_id == "6a1f0c2e-0000-4000-8000-000000000001"
    # Outside the directory, the partner is typed.
    tab.kind_combo.setCurrentIndex(tab.kind_combo.findData("organisme_formation"))
    assert tab.partner_edit.isVisible() and not tab.agency_combo.isVisible()

    tab.table.selectRow(0)
    assert tab.withdraw_button.isEnabled()
    qtbot.mouseClick(tab.withdraw_button, Qt.MouseButton.LeftButton)
    assert "Intérim Exemple Arras (fictive)" in tab.confirm_box.text()
    dialogs.click(tab.confirm_box, "Retirer le consentement")
    assert tab.table.item(0, 5).text() == "Retiré le 28/11/2026"
    consent = beneficiaries.get(ctx, people["Dubois"], record_read=False).consents[0]
    assert str(consent.withdrawn_on) == "2026-11-28"


def test_pathway_tab_is_a_read_only_timeline(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, people["Dubois"])
    table = editor.pathway.table
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(3)] == ["Repérage", "Réalisée", "28/11/2026"]
    assert table.editTriggers() == table.EditTrigger.NoEditTriggers


# --- errors ---------------------------------------------------------------------------------------


def test_known_errors_say_their_message_and_bugs_a_generic_one(qtbot, ctx, people, sync_worker, monkeypatch, caplog):
    page = open_page(qtbot, sync_worker)
    page.open_file("00000000-0000-0000-0000-000000000000")
    editor = page.current_editor()
    assert editor.message_banner.label.text() == "Ce dossier n'existe pas (ou plus) dans le coffre."
    assert page.tabs.tabText(1) == "Dossier introuvable"
    page.close_tab(1)

    def broken(ctx, beneficiary_id, **kwargs):
        raise RuntimeError(f"données de {beneficiary_id} : Dubois Kévin")

    monkeypatch.setattr(ops, "open_file", broken)
    with caplog.at_level(logging.ERROR):
        page.open_file(people["Dubois"])
    editor = page.current_editor()
    assert editor.message_banner.label.text() == generic_message()
    assert generic_message().startswith("Une erreur inattendue est survenue")
    assert "RuntimeError" in caplog.text
    assert "Dubois" not in caplog.text and "Kévin" not in caplog.text


def test_save_current_without_an_open_file_says_so(qtbot, sync_worker):
    page = open_page(qtbot, sync_worker)
    messages = []
    page.status_message.connect(messages.append)
    page.save_current()
    assert messages == ["Aucun dossier ouvert à enregistrer."]


@pytest.mark.parametrize("action", ["new_file", "open_file"])
def test_actions_before_the_vault_is_open_wait_for_it(qtbot, ctx, people, sync_worker, action):
    from conseiller_app.ui.beneficiaries import BeneficiariesPage

    page = BeneficiariesPage(sync_worker)
    qtbot.addWidget(page)
    if action == "new_file":
        page.new_file()
    else:
        page.open_file(people["Petit"])
    assert page.tabs.count() == 1
    page.vault_opened()
    assert page.tabs.count() == 2
