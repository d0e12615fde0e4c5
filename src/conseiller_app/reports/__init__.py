"""Printable documents (reportlab, no Qt): the referral form (fiche de liaison) and the
attendance sheet (feuille d'émargement). Each module renders a plain dict to PDF bytes and writes
it atomically under a neutral file name (a reference or a session id, never a person's name)."""
