"""What the review shows of the people in the room: audience groups, returning customers,
comments and the integrity signals (see :mod:`helpers.review.page`)."""

from __future__ import annotations

from typing import Any

from helpers.present import nb
from helpers.present.i18n import t
from helpers.review import charts
from helpers.review.audience import top_over
from helpers.review.comments import intent_totals
from helpers.review.context import Context, table_name
from helpers.review.display import say, show, step

AUDIENCE_DECIMALS = {
    "viewer_share": 3,
    "buyer_share": 3,
    "buyer_share_lo": 3,
    "buyer_share_hi": 3,
    "conversion": 4,
    "lo": 4,
    "hi": 4,
    "index": 2,
}
RETURNING_DECIMALS = {"returning_share": 3, "lo": 3, "hi": 3, "tagged_share": 3}
INTEGRITY_PARTS = ("review.bursts", "review.duplicates")


def audience(ctx: Context) -> list[Any]:
    """Viewer and buyer shares per audience group, and the group buyers over-represent."""
    aud, lang = ctx.value("review.audience"), ctx.lang
    if aud is None:
        return [nb.outcome(ctx.out["review.audience"], lang)]
    if not aud.height:
        return [say("review.audience_no_dims", lang)]
    table, caption = aud.drop("source"), t("sec_audience", lang)
    kw = {"max_rows": 60, "decimals": AUDIENCE_DECIMALS}
    return [
        step("review.audience", lambda: show(table, caption, lang, **kw), lang),
        step("review.audience", lambda: audience_sentence(aud, lang), lang),
    ]


def audience_sentence(aud: Any, lang: str = "zh") -> nb.Markdown:
    """The group most over-represented among buyers and where the groups come from."""
    over = top_over(aud)
    if not over:
        return say("review.audience_too_little", lang)
    source = "audience_profile" if aud["source"][0] == "audience_profile" else "viewers"
    return say(
        "review.audience_top",
        lang,
        dim=t(over["dimension"], lang),
        level=over["level"],
        idx=over["index"],
        src=table_name(source, lang),
    )


def audience_chart(ctx: Context) -> Any:
    aud, lang = ctx.value("review.audience"), ctx.lang
    if aud is None or not aud.height:
        return None
    return step("review.audience", lambda: charts.audience_chart(aud, lang), lang)


def returning(ctx: Context) -> list[Any]:
    """How many buyers and commenters had been in the room before."""
    out, lang = ctx.out["review.returning"], ctx.lang
    if not out.ok:
        return [nb.outcome(out, lang)]
    newret = out.value
    if not newret.table.height:
        return [say("review.returning_no_ids", lang)]
    caption = t("sec_returning", lang)
    return [
        step(
            "review.returning",
            lambda: show(newret.table, caption, lang, decimals=RETURNING_DECIMALS),
            lang,
        ),
        step("review.returning", lambda: returning_sentence(newret, lang), lang),
    ]


def returning_sentence(newret: Any, lang: str = "zh") -> nb.Markdown:
    """What "been here before" means, then the returning share of buyers and of commenters."""
    rows = {r["population"]: r for r in newret.table.iter_rows(named=True)}
    if newret.earlier_sessions:
        since = f"{newret.since:%Y-%m-%d}"
        history = t("review.returning_history", lang, n=newret.earlier_sessions, since=since)
    else:
        history = t("review.returning_none", lang)
    tag = rows.get("commenters", {}).get("tagged_share")
    return nb.say(
        "{history}{buyers}{commenters}{tag}",
        history=history,
        buyers=_returning_part(rows.get("buyers"), "buyers", lang),
        commenters=_returning_part(rows.get("commenters"), "commenters", lang),
        tag=t("review.returning_tag", lang, tag=tag) if tag is not None else "",
    )


def _returning_part(r: dict[str, Any] | None, population: str, lang: str) -> str:
    if r is None or r["returning_share"] is None:
        return ""
    who = t("review.who_buyers" if population == "buyers" else population, lang)
    return t(
        "review.returning_part",
        lang,
        who=who.lower(),
        people=r["people"],
        returning=r["returning"],
        share=r["returning_share"],
        lo=r["lo"],
        hi=r["hi"],
    )


def comments(ctx: Context) -> list[Any]:
    """The most frequent comments, then the comments per intent and the most common intent."""
    said, lang = ctx.out["review.comments"], ctx.lang
    parts = []
    if said.ok and said.value.height:
        caption = t("review.top_comments_caption", lang)
        parts.append(step("review.comments", lambda: show(said.value, caption, lang), lang))
    out = ctx.out["review.intents"]
    if not out.ok:
        return [*parts, nb.outcome(out, lang)]
    if out.value is None:
        return [*parts, say("review.intents_unavailable", lang)]
    totals = intent_totals(out.value)
    top = totals["intent"][0] if totals.height else "–"
    return [
        *parts,
        step("review.intents", lambda: show(totals, t("intent", lang), lang), lang),
        say("review.top_intent", lang, top=top),
    ]


def intents_chart(ctx: Context) -> Any:
    intents, lang = ctx.value("review.intents"), ctx.lang
    if intents is None or not intents.height:
        return None
    return step("review.intents", lambda: charts.intents_chart(intents, lang), lang)


def integrity(ctx: Context) -> list[Any]:
    """Entry bursts of near-zero watch time, a sample of them, and comments posted in bulk; each
    part the data cannot support says so."""
    integ, lang = ctx.value("review.integrity"), ctx.lang
    if integ is None:
        return [nb.outcome(ctx.out["review.integrity"], lang)]
    parts = [nb.outcome(ctx.out[p], lang) for p in INTEGRITY_PARTS if p in ctx.out]
    b, d = integ.bursts, integ.duplicate_summary
    if b.get("available"):
        parts.append(step("review.integrity", lambda: _bursts_sentence(b, lang), lang))
    if integ.suspects.height:
        caption = t("review.suspects_caption", lang)
        dec = {"watch_s": 1}
        parts.append(
            step(
                "review.integrity", lambda: show(integ.suspects, caption, lang, decimals=dec), lang
            )
        )
    if d.get("available"):
        caption = t("review.duplicates_caption", lang)
        parts.append(step("review.integrity", lambda: show(integ.duplicates, caption, lang), lang))
        parts.append(step("review.integrity", lambda: _duplicates_sentence(d, lang), lang))
    return parts


def _bursts_sentence(b: dict[str, Any], lang: str) -> nb.Markdown:
    return say(
        "review.bursts_note",
        lang,
        m=b["burst_minutes"],
        v=b["suspect_viewers"],
        sh=b["suspect_share"] or 0.0,
        buy=b["suspect_buyers"],
        short=b["short_watch_share"],
    )


def _duplicates_sentence(d: dict[str, Any], lang: str) -> nb.Markdown:
    return say(
        "review.duplicates_note",
        lang,
        n=d["duplicated_comments"],
        sh=d["duplicated_share"] or 0.0,
    )


def integrity_chart(ctx: Context) -> Any:
    integ, lang = ctx.value("review.integrity"), ctx.lang
    if integ is None or not integ.per_minute.height:
        return None
    return step("review.integrity", lambda: charts.integrity_chart(integ.per_minute, lang), lang)
