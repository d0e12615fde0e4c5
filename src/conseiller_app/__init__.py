"""Parcours Grands Chantiers: the conseillers' application (package ``conseiller_app``)."""

__version__ = "0.1.0"
APP_NAME = "Parcours Grands Chantiers"
