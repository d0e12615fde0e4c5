"""The reports tests share the storage tests' data: ``two_people`` (a rich file and another person)."""

from tests.storage.test_access import two_people  # noqa: F401 - the fixture, shared with tests/storage
