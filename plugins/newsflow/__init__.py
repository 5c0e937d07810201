"""newsflow: RSS/Atom feeds → clean articles → enriched documents → searchable index."""

__version__ = "0.1.0"
