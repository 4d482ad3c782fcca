"""Viewer ids never reach a report in the clear: a salted, keyed hash replaces them.

:func:`pseudonymise` maps each id to ``"v" + 12 hex digits`` of a BLAKE2b hash keyed with a salt.
The salt comes from the argument, else the environment variable ``WORKBOOK_ID_SALT``, else
:data:`DEFAULT_SALT` (documented, so a report is reproducible; set your own salt in production so
pseudonyms cannot be recomputed by someone holding a list of ids). The same id and salt always give
the same pseudonym, so joins across tables and sessions of one report still work.
"""

from __future__ import annotations

import hashlib
import os

import polars as pl

SALT_ENV = "WORKBOOK_ID_SALT"
DEFAULT_SALT = "livecommerce-workbook-default-salt"
PREFIX = "v"
DIGEST_BYTES = 6


def current_salt(salt: str | None = None) -> str:
    """The salt in force: the argument, else ``$WORKBOOK_ID_SALT``, else :data:`DEFAULT_SALT`."""
    if salt:
        return salt
    return os.environ.get(SALT_ENV) or DEFAULT_SALT


def pseudonym(value: str, salt: str | None = None) -> str:
    """The pseudonym of one id (``v`` + 12 hex digits)."""
    key = current_salt(salt).encode("utf-8")[:64]
    digest = hashlib.blake2b(str(value).encode("utf-8"), key=key, digest_size=DIGEST_BYTES)
    return PREFIX + digest.hexdigest()


def pseudonymise(ids: pl.Series, salt: str | None = None) -> pl.Series:
    """Replace every id by its salted pseudonym; nulls stay null, the name and order are kept.

    Each distinct id is hashed once, so a million rows of a few thousand viewers stays cheap.
    """
    key = current_salt(salt)
    s = ids.cast(pl.String)
    uniques = s.drop_nulls().unique()
    mapping = {u: pseudonym(u, key) for u in uniques.to_list()}
    return s.replace_strict(mapping, default=None, return_dtype=pl.String).alias(ids.name)


def pseudonymise_frame(
    df: pl.DataFrame, columns: tuple[str, ...] = ("viewer_id",), salt: str | None = None
) -> pl.DataFrame:
    """The frame with each named id column (if present) pseudonymised."""
    return df.with_columns([pseudonymise(df[c], salt) for c in columns if c in df.columns])
