"""Pure business rules: enums, validation, text normalisation, reference data. No Qt, no SQL."""
