"""A retro out of prodops, in any phase: Markdown for the team's wiki, JSON for scripts.

Hidden cards are exported as hidden (count only) until the retro reveals them: an export
taken mid-reflect must not show the room what it has not seen yet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..areas.lookup import area_path
from ..dates import display_date
from ..errors import InvalidInput
from ..model import Retro
from ..storage.files import atomic_write_bytes
from ..storage.store import Store
from ..text import markdown_line, plural
from . import actions as retro_actions
from . import board as retros

RETRO_FORMATS = ("md", "json")


def retro_record(store: Store, retro: Retro) -> dict[str, Any]:
    summary = retros.summarise(store, retro)
    by_number = {card.number: card for card in retro.cards}

    def card_record(card) -> dict[str, Any]:
        return {
            "number": card.number,
            "column": card.column,
            "text": None if card.hidden else card.text,
            "hidden": card.hidden,
            "author": None if card.hidden else (card.author or None),
            "group": card.group,
            "votes": sum(card.votes.values()),
            "notes": card.notes,
        }

    return {
        "id": retro.id,
        "title": retro.title,
        "team": retro.team,
        "template": retro.template,
        "phase": retro.phase,
        "held_on": retro.held_on,
        "closed_at": retro.closed_at,
        "area": area_path(store, retro.area) or None,
        "facilitator": retro.facilitator or None,
        "participants": list(retro.participants),
        "votes_per_person": retro.votes_per_person,
        "columns": list(retro.columns),
        "cards": [card_record(card) for card in retro.cards],
        "groups": [
            {"number": g.number, "title": g.title, "cards": [c.number for c in retro.cards if c.group == g.number]}
            for g in retro.groups
        ],
        "topics": [
            {
                "key": topic.key,
                "title": None if any(by_number[c.number].hidden for c in topic.cards) and topic.key.startswith("card:") else topic.title,
                "votes": topic.total,
                "votes_by_person": dict(topic.votes),
                "notes": topic.notes,
            }
            for topic in retros.topics(retro)
        ],
        "checkin": [
            {"id": a.id, "text": a.text, "status": a.status, "owners": retro_actions.owner_names(store, a), "due": a.due}
            for a in retro_actions.checkin_actions(store, retro)
        ],
        "actions": [
            {
                "id": a.id,
                "text": a.text,
                "owners": retro_actions.owner_names(store, a),
                "due": a.due,
                "status": a.status,
                "topic": a.topic or None,
            }
            for a in retro_actions.retro_actions(store, retro.id)
        ],
        "summary": {
            "cards": summary.cards,
            "groups": summary.groups,
            "votes_cast": summary.votes_cast,
            "votes_possible": summary.votes_possible,
            "actions": summary.actions,
            "actions_open": summary.actions_open,
        },
    }


def export_retro(store: Store, retro_id: str, fmt: str) -> str:
    if fmt not in RETRO_FORMATS:
        raise InvalidInput(f"a retro exports as {' or '.join(RETRO_FORMATS)}, not {fmt!r}")
    retro = retros.get_retro(store, retro_id)
    record = retro_record(store, retro)
    if fmt == "json":
        return json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    return _markdown(record)


def _due(due: str | None) -> str:
    return f"due {display_date(due)}" if due else "no due date"


def _markdown(record: dict[str, Any]) -> str:
    phase = retros.PHASE_LABELS[record["phase"]]
    out = [f"# {record['id']} · {markdown_line(record['title'])}", ""]
    facts = [f"Team: {markdown_line(record['team'])}", f"Template: {markdown_line(record['template'])}"]
    if record["held_on"]:
        facts.append(f"Held: {display_date(record['held_on'])}")
    facts.append(f"Phase: {phase}" + (f" (closed {display_date(record['closed_at'])})" if record["closed_at"] else " (in progress)"))
    if record["area"]:
        facts.append(f"Area: {markdown_line(record['area'])}")
    if record["facilitator"]:
        facts.append(f"Facilitator: {markdown_line(record['facilitator'])}")
    out += [" · ".join(facts), ""]
    if record["participants"]:
        out += ["Participants: " + ", ".join(markdown_line(p) for p in record["participants"]), ""]
    summary = record["summary"]
    out += [
        (f"{plural(summary['cards'], 'card')} · {plural(summary['groups'], 'group')} · {summary['votes_cast']} of "
        f"{plural(summary['votes_possible'], 'vote')} cast · {plural(summary['actions'], 'action')} ({summary['actions_open']} open)"),
        "",
    ]
    if record["checkin"]:
        out += ["## Check-in: actions from earlier retros", ""]
        out += [f"- [{'x' if a['status'] == 'done' else ' '}] {a['id']} {markdown_line(a['text'])} — {a['status']}, "
                f"{markdown_line(', '.join(a['owners'])) or 'no owner'}, {_due(a['due'])}" for a in record["checkin"]]
        out.append("")
    groups = {g["number"]: g["title"] for g in record["groups"]}
    out += ["## Cards", ""]
    if not record["cards"]:
        out += ["No cards.", ""]
    for column in record["columns"]:
        cards = [c for c in record["cards"] if c["column"] == column]
        out += [f"### {markdown_line(column)} ({len(cards)})", ""]
        hidden = sum(1 for c in cards if c["hidden"])
        for card in cards:
            if card["hidden"]:
                continue
            extras = []
            if card["author"]:
                extras.append(markdown_line(card["author"]))
            if card["group"] is not None:
                extras.append("in " + markdown_line(groups.get(card["group"], "")))
            if card["votes"]:
                extras.append(plural(card["votes"], "vote"))
            out.append(f"- {markdown_line(card['text'])}" + (f" ({'; '.join(extras)})" if extras else ""))
        if hidden:
            out.append(f"- {plural(hidden, 'card')} not revealed yet")
        out.append("")
    voted = [t for t in record["topics"] if t["title"] is not None]
    if voted and (record["groups"] or any(t["votes"] or t["notes"] for t in voted)):
        out += ["## Topics by votes", ""]
        for topic in voted:
            kind = "group" if topic["key"].startswith("group:") else "card"
            out.append(f"### {plural(topic['votes'], 'vote')} · {markdown_line(topic['title'])} ({kind})")
            out.append("")
            if topic["notes"]:
                out += [f"> {markdown_line(line)}" if line.strip() else ">" for line in topic["notes"].splitlines()]
                out.append("")
    out += ["## Actions", ""]
    if record["actions"]:
        out += [
            f"- [{'x' if a['status'] == 'done' else ' '}] {a['id']} {markdown_line(a['text'])} — "
            f"{markdown_line(', '.join(a['owners'])) or 'no owner'}, {_due(a['due'])}"
            + (f", from “{markdown_line(a['topic'])}”" if a["topic"] else "")
            + (f" ({a['status']})" if a["status"] != "open" else "")
            for a in record["actions"]
        ]
    else:
        out.append("No actions yet.")
    out.append("")
    return "\n".join(out)


def write_retro(store: Store, retro_id: str, path: Path, *, replace: bool = True) -> str:
    """Write the retro to `path` (private, written whole or not at all): JSON for a .json
    file, else Markdown. Returns the format written. `replace` off: FileExistsError when a
    file is there (see atomic_write_bytes)."""
    fmt = "json" if path.suffix.lower() == ".json" else "md"
    atomic_write_bytes(path, export_retro(store, retro_id, fmt).encode("utf-8"), replace=replace)
    return fmt
