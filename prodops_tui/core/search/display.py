"""What a search hit shows: where the item lives, the part of its text that matched, which
words to highlight, and the JSON the command line prints."""

from __future__ import annotations

from ..areas.lookup import area_path
from ..storage.store import Store
from ..text import truncate
from .index import Hit, SearchDoc, word_spans


def location(store: Store, doc: SearchDoc) -> str:
    """Where the item lives, in the words of the panes."""
    facets = doc.facets
    area = area_path(store, facets["area"]) if facets.get("area") else ""
    if doc.kind == "feedback":
        return " · ".join(p for p in ("Inbox", facets.get("status", ""), area) if p)
    if doc.kind == "opportunity":
        return " · ".join(p for p in ("Opportunities", facets.get("status", ""), area) if p)
    if doc.kind == "area":
        return "Areas" + (" · no active owner" if facets.get("unowned") else "")
    if doc.kind == "person":
        return "People" + (" · has left" if facets.get("status") == "left" else "")
    if doc.kind == "card":
        return f"Retro {doc.id.split('#')[0]} · {doc.body.split(' ')[0]}"
    if doc.kind == "action":
        return " · ".join(p for p in ("Action items", facets.get("status", ""), area) if p)
    return "Checklists"


def snippet(doc: SearchDoc, words: frozenset[str], width: int = 90) -> str:
    """The part of the body around the first matched word, for hits matched outside the title."""
    body = " ".join(doc.body.split())
    if not body or not words:
        return truncate(body, width)
    for begin, _, word in word_spans(body):
        if word in words:
            start = max(0, begin - width // 3)
            text = body[start:start + width]
            return ("…" if start else "") + truncate(text, width)
    return truncate(body, width)


def highlight_spans(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    """Character spans of `text` whose words matched, to style them: a part of an identifier
    (`multi` of `read_multi`), or all of it when it matched whole; never overlapping."""
    spans: list[tuple[int, int]] = []
    for start, end, word in sorted(word_spans(text), key=lambda span: (span[0], -span[1])) if words else ():
        if word not in words:
            continue
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def hit_record(hit: Hit) -> dict:
    """The contract's JSON shape of a hit: kind, id, title, score (plus where it is)."""
    return {"kind": hit.kind, "id": hit.id, "title": hit.doc.title, "score": round(hit.score, 3)}
