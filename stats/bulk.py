"""Moved to ``config.bulk``, which the dossiers' bulk synchronisation uses too (``stats`` is above
``dossiers``); the names stay importable from here."""

from config.bulk import insert_rows, reserve_ids

__all__ = ["insert_rows", "reserve_ids"]
