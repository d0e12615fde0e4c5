"""Alembic environment: the application hands over an open, keyed vault connection."""

from alembic import context

from conseiller_app.storage.tables import metadata as target_metadata


def include_object(obj, name, type_, reflected, compare_to):
    # Tables created only by raw SQL in migrations are none for now; alembic's own is skipped.
    return name != "alembic_version"


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Les migrations s'exécutent depuis l'application, sur un coffre ouvert.")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Mode hors ligne non pris en charge.")
run_migrations_online()
