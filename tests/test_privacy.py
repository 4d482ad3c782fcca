"""Viewer ids are replaced by salted, stable pseudonyms."""

from __future__ import annotations

import polars as pl

from helpers.data import privacy


def test_pseudonymise_stable_salted_and_null_safe(monkeypatch):
    monkeypatch.delenv(privacy.SALT_ENV, raising=False)
    ids = pl.Series("viewer_id", ["u1", "u2", None, "u1"])
    out = privacy.pseudonymise(ids)
    assert out.name == "viewer_id" and out.len() == 4
    assert out[0] == out[3] and out[0] != out[1] and out[2] is None
    assert out[0].startswith("v") and len(out[0]) == 13
    assert "u1" not in out.to_list()
    assert out[0] == privacy.pseudonym("u1", privacy.DEFAULT_SALT)
    other = privacy.pseudonymise(ids, salt="another")
    assert other[0] != out[0]
    monkeypatch.setenv(privacy.SALT_ENV, "another")
    assert privacy.pseudonymise(ids)[0] == other[0]


def test_pseudonymise_frame_only_named_columns():
    df = pl.DataFrame({"viewer_id": ["a", "b"], "text": ["hi", "yo"]})
    out = privacy.pseudonymise_frame(df, salt="s")
    assert out["text"].to_list() == ["hi", "yo"]
    assert out["viewer_id"].to_list() == [privacy.pseudonym("a", "s"), privacy.pseudonym("b", "s")]
