"""Preset `support-tweets`: a customer-support Twitter export (Kaggle "Customer Support on Twitter").

tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id

Only `inbound=True` rows are customers talking; `inbound=False` rows are the company's own
replies and are *ignored* (counted and reported as such, not as errors). text = text with
Twitter's `&amp; &lt; &gt;` turned back into `& < >`; customer = `@<author_id>`; source =
"twitter"; received_at = created_at (`Wed Oct 11 06:55:44 +0000 2017`); source_key =
`support-tweets:<tweet_id>`; author_id and the reply links are kept in `extra`. No URL: the
export has no screen names to build one from.
"""

from __future__ import annotations

from ..model import FeedbackItem
from ..text import clean_line, first_line
from . import fields
from .base import Preset, Row, cell
from .fields import Context, shown
from .result import ImportRowError, RowIgnored

NAME = "support-tweets"
_TRUE = frozenset({"true", "1", "yes", "t", "y"})
_FALSE = frozenset({"false", "0", "no", "f", "n"})
NOT_FEEDBACK = "a reply from the company, not feedback"


def _unescape(text: str) -> str:
    """Twitter escapes exactly these three in tweet text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def convert(row: Row, ctx: Context) -> FeedbackItem:
    inbound = cell(row, ctx, "inbound").strip().casefold()
    if inbound in _FALSE:
        raise RowIgnored(ctx.column("inbound"), NOT_FEEDBACK)
    if inbound not in _TRUE:
        raise ImportRowError(ctx.column("inbound"), f"inbound {shown(inbound)!r} is not True or False")
    tweet_id = clean_line(cell(row, ctx, "tweet_id"))
    if not tweet_id:
        raise ImportRowError(ctx.column("tweet_id"), "no tweet id, so a re-import could not recognise the tweet")
    text = fields.body(_unescape(cell(row, ctx, "text")), ctx.column("text"))
    author = clean_line(cell(row, ctx, "author_id"))
    extra = {}
    for name in ("author_id", "response_tweet_id", "in_response_to_tweet_id"):
        value = clean_line(cell(row, ctx, name))
        if value:
            extra[name] = value
    return FeedbackItem(
        text=text,
        title=first_line(text),
        customer=f"@{author.lstrip('@')}" if author else "",
        source="twitter",
        received_at=fields.received(cell(row, ctx, "created_at"), ctx.column("created_at"), ctx),
        source_key=f"{NAME}:{tweet_id}",
        extra=extra,
    )


PRESET = Preset(
    name=NAME,
    description="customer-support tweets: tweet_id, author_id, inbound, created_at, text, ...",
    required=("tweet_id", "author_id", "inbound", "created_at", "text"),
    optional=("response_tweet_id", "in_response_to_tweet_id"),
    convert=convert,
)
