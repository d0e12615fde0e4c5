"""Where a data folder keeps its files, without importing the database layer: the GUI start and
the command line ask "is there a vault here?" long before SQLAlchemy is needed."""

from __future__ import annotations

from pathlib import Path

VAULT_FILE = "coffre.db"
BACKUP_DIR = "sauvegardes"
LOG_DIR = "journaux"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("ParcoursGrandsChantiers", "Departement62"))


def vault_path(data_dir: Path) -> Path:
    return Path(data_dir) / VAULT_FILE


def vault_exists(data_dir: Path) -> bool:
    return vault_path(data_dir).exists()
