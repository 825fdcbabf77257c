"""Vietnamese-aware search keys: "ánh dương", "ÁNH DƯƠNG", "anh duong" and a name typed in
decomposed Unicode all find "Ánh Dương" (issue 13).

A name's key drops the tone and vowel marks, turns đ into d and lower-cases: "Nguyễn Thị Ánh
Dương" → "nguyen thi anh duong". The database computes it with the function ``tthc_search_key``
into a stored generated column (``Dossier.search_name``), so every writer (the services, imports,
the demo's COPY, a bulk sync) fills it, and PostgreSQL indexes it with trigrams for "contains"
searches. The function is SQL on PostgreSQL (created by migration ``dossiers.0010``) and this
module's ``search_key`` on SQLite (registered on each connection by ``DossiersConfig.ready``);
a test checks that both agree.
"""

import unicodedata

from django.db import models

FUNCTION = "tthc_search_key"
COMBINING_MARKS = f"[{chr(0x300)}-{chr(0x36F)}]"  # every combining diacritic (Vietnamese's included)

POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(translate(regexp_replace(normalize(value, NFD), '{COMBINING_MARKS}', '', 'g'), 'đĐ', 'dD')) $$
"""


def search_key(text: str | None) -> str | None:
    """The key of ``text``: decomposed (NFD), combining marks dropped, đ → d, lower case."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(char for char in decomposed if not 0x300 <= ord(char) <= 0x36F)
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


class SearchKey(models.Func):
    """``tthc_search_key(<expression>)`` in SQL."""

    function = FUNCTION
    output_field = models.CharField(max_length=255)


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: SQLite gets ``search_key`` as a deterministic SQL function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, search_key, deterministic=True)
