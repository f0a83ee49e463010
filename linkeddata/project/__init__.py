"""The seed project on disk: its records and field tables (YAML read with line numbers), the vocabulary from `ontology/`, and the evidence locator."""
