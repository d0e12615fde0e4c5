"""The encrypted vault (SQLCipher through SQLAlchemy 2): models, journals, migrations, services."""
