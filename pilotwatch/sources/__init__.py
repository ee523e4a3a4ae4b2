"""Getting source bytes (``fetch``) and turning them into string tables (``readers``).

These are the I/O edges of ingestion; everything after them is a pure transform.
"""
