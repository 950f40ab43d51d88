"""How the Retro pane draws its rows: user text always as data (Content), never markup."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from ...core.areas.lookup import area_path
from ...core.dates import describe, display_date, from_iso
from ...core.model import RETRO_PHASES, ActionItem, Retro, RetroCard
from ...core.retro import actions as retro_actions
from ...core.retro import board as retros
from ...core.storage.store import Store
from ...core.text import clean_line, plural, truncate
from .base import lines

STATUS_MARKS = {"open": ("○", "$status-due"), "done": ("✓", "$status-done"), "dropped": ("✗", "$text-muted")}
HIDDEN_CARD = "▒▒▒▒▒▒▒▒▒▒▒▒ hidden until r reveals"
YOURS_HIDDEN = "yours: hidden from the others until r reveals"


def retro_row(retro: Retro, open_actions: int) -> Content:
    phase = retros.PHASE_LABELS[retro.phase]
    return Content.assemble(
        (f"{retro.id:<6}", "$text-muted"),
        f"{display_date(retro.held_on or retro.created_at)}  ",
        (f"{truncate(clean_line(retro.team), 18):<19}", "$secondary"),
        (f"{phase:<9}", "$text-muted" if retro.phase == "closed" else "bold $accent"),
        f"{plural(len(retro.cards), 'card'):>9}  ",
        (plural(open_actions, "open action"), "$status-due" if open_actions else "$text-muted"),
    )


def phase_steps(retro: Retro) -> Content:
    """Check-in › Reflect › … with the current phase lit."""
    parts: list[Content] = []
    current = RETRO_PHASES.index(retro.phase)
    for index, phase in enumerate(RETRO_PHASES):
        label = f"{index + 1} {retros.PHASE_LABELS[phase]}"
        style = "bold reverse $accent" if index == current else ("$text-muted" if index > current else "$success")
        parts.append(Content.styled(f" {label} ", style))
    return Content("›").join(parts)


def header(store: Store, retro: Retro) -> Content:
    """The title, then team, template and area unless the title says them already."""
    title = clean_line(retro.title)
    extras = [part for part in (clean_line(retro.team), retro.template, area_path(store, retro.area) if retro.area else "")
              if part and part.casefold() not in title.casefold()]
    return Content.assemble(
        (f"{retro.id} ", "$text-muted"),
        (truncate(title, 60), "bold"),
        (("  " + " · ".join(extras)) if extras else "", "$text-muted"),
    )


def action_row(store: Store, action: ActionItem, now: datetime, *, show_retro: bool = True) -> Content:
    mark, style = STATUS_MARKS.get(action.status, ("?", ""))
    owners = ", ".join(retro_actions.owner_names(store, action)) or "no owner"
    if action.due:
        due = from_iso(action.due)
        overdue = action.status == "open" and due < now
        due_part = Content.styled(f"due {describe(due, now=now)}" + (" — overdue" if overdue else ""), "bold $status-overdue" if overdue else "$text-muted")
    else:
        due_part = Content.styled("no due date", "$text-muted")
    where = f" · from {action.retro}" if show_retro and action.retro else ""
    topic = f" · “{truncate(clean_line(action.topic), 30)}”" if action.topic else ""
    return Content.assemble(
        (f"{mark} ", f"bold {style}"),
        (f"{action.id:<5} ", "$text-muted"),
        (clean_line(action.text), "strike $text-muted" if action.status == "dropped" else ""),
        "\n      ",
        (owners, "$secondary"),
        " · ",
        due_part,
        (f"{where}{topic}", "$text-muted"),
        (f" · {action.status}" if action.status != "open" else "", style),
    )


def is_yours(card: RetroCard, viewer: str) -> bool:
    """A card signed with the viewer's name: they see it while it is hidden from the others."""
    return bool(viewer and card.author and card.author.casefold() == viewer.casefold())


def card_row(card: RetroCard, group_titles: dict[int, str], *, show_group: bool, viewer: str = "") -> Content:
    yours_hidden = card.hidden and is_yours(card, viewer)
    if card.hidden and not yours_hidden:
        return Content.assemble((HIDDEN_CARD, "$text-muted"), (f"  #{card.number}", "$text-muted"))
    parts: list[Content | tuple[str, str] | str] = [Content.styled(clean_line(card.text), "italic") if yours_hidden else clean_line(card.text)]
    extras = [Content.styled(YOURS_HIDDEN, "$text-muted")] if yours_hidden else []
    if card.author:
        extras.append(Content.styled(f"— {clean_line(card.author)}", "$secondary"))
    if show_group and card.group is not None:
        extras.append(Content.styled(f"◆ {clean_line(group_titles.get(card.group, ''))}", "bold $accent"))
    votes = sum(card.votes.values())
    if votes:
        extras.append(Content.styled(f"● {votes}", "$warning"))
    extras.append(Content.styled(f"#{card.number}", "$text-muted"))
    parts.append("\n")
    parts.append(Content("  ").join(extras))
    return Content.assemble(*parts)


def topic_row(topic: retros.Topic, *, voter: str | None, current: bool, phase: str) -> Content:
    """Two lines: votes and title; then its size, the voter's own votes, whether it has notes."""
    is_group = topic.key.startswith("group:")
    facts = [plural(len(topic.cards), "card") if is_group else "a card"]
    if voter and phase == "vote":
        facts.append(f"{clean_line(voter)}: {topic.votes.get(voter, 0)}")
    if topic.notes:
        facts.append("✎ notes")
    dots = "●" * min(topic.total, 10) + ("…" if topic.total > 10 else "")
    marker = ("▶ ", "bold $accent") if current and phase in ("discuss", "actions") else ("  ", "")
    return Content.assemble(
        marker,
        (f"{topic.total:>3} ", "bold $warning" if topic.total else "$text-muted"),
        ("◆ " if is_group else "", "$accent"),
        (clean_line(truncate(topic.title, 80)), "bold" if is_group else ""),
        "\n      ",
        (dots + " " if dots else "", "$warning"),
        (" · ".join(facts), "$text-muted"),
    )


def topic_detail(store: Store, retro: Retro, topic: retros.Topic | None) -> Content:
    if topic is None:
        return Content.styled("No topics yet: cards become topics (a group, or a card on its own).", "$text-muted")
    out: list[Content | str] = [
        Content.styled(clean_line(topic.title), "bold"),
        Content.styled(f"{plural(topic.total, 'vote')}" + (": " + ", ".join(f"{v} {n}" for v, n in sorted(topic.votes.items()) if n) if topic.total else ""), "$warning"),
        "",
    ]
    for card in topic.cards:
        author = f" — {card.author}" if card.author else ""
        out.append(Content.assemble(("• ", "$accent"), (f"[{card.column}] ", "$text-muted"), clean_line(card.text), (author, "$secondary")))
    out += ["", Content.styled("Notes", "bold")]
    out.append(Content(topic.notes) if topic.notes else Content.styled("none yet — e writes them", "$text-muted"))
    actions = [a for a in retro_actions.retro_actions(store, retro.id) if a.topic and a.topic == topic.title]
    if actions:
        out += ["", Content.styled("Actions from this topic", "bold")]
        out += [action_row(store, a, from_iso(store.clock()), show_retro=False) for a in actions]
    return lines(*out)


def votes_line(retro: Retro, voter: str | None) -> Content:
    left = retros.votes_left(retro)
    if not left:
        return Content.styled("No participants yet: v adds who is voting.", "$warning")
    parts = []
    for name, n in left.items():
        style = "bold reverse $accent" if name == voter else ("$text-muted" if n == 0 else "")
        parts.append(Content.styled(f" {clean_line(name)} {n}/{retro.votes_per_person} ", style))
    return Content.assemble(("votes left: ", "$text-muted"), Content(" ").join(parts))


def preview(store: Store, retro: Retro) -> Content:
    """The right side of the retro list: what the highlighted retro holds."""
    summary = retros.summarise(store, retro)
    now = from_iso(store.clock())
    out: list[Content | str] = [
        Content.styled(clean_line(retro.title), "bold"),
        Content.styled(f"{retro.team} · {retro.template} · {retros.PHASE_LABELS[retro.phase]}", "$text-muted"),
        "",
        Content.assemble(("Participants ", "$text-muted"), ", ".join(clean_line(p) for p in retro.participants) or "none yet"),
        Content.assemble(("Cards ", "$text-muted"), " · ".join(f"{c} {n}" for c, n in summary.cards_by_column.items()) or "none"),
        Content.assemble(("Votes ", "$text-muted"), f"{summary.votes_cast} of {summary.votes_possible} cast"),
    ]
    if retro.checkin:
        reviewed = ", ".join(f"{n} {status}" for status, n in sorted(summary.reviewed.items()))
        out.append(Content.assemble(("Check-in ", "$text-muted"), f"{plural(len(retro.checkin), 'earlier action')} ({reviewed})"))
    actions = retro_actions.retro_actions(store, retro.id)
    out += ["", Content.styled(f"Actions ({summary.actions_open} open of {summary.actions})", "bold")]
    out += [action_row(store, a, now, show_retro=False) for a in actions] or [Content.styled("none yet", "$text-muted")]
    out += ["", Content.styled("enter opens it · E exports it", "$text-muted")]
    return lines(*out)


def counted(count: int, word: str, many: str | None = None, *, shown: str | None = None) -> tuple[tuple[str, str], str]:
    """A count in bold and its word, singular for one (core.text.plural's rule): "1 group",
    "3 groups". `shown` is drawn in the count's place ("2/9" votes), the word following `count`."""
    number, _, words = plural(count, word, many).partition(" ")
    return (shown or number, "bold"), f" {words}"


def closed_summary(store: Store, retro: Retro) -> Content:
    summary = retros.summarise(store, retro)
    now = from_iso(store.clock())
    closed = f"closed {describe(from_iso(retro.closed_at), now=now)}" if retro.closed_at else "closed"
    out: list[Content | str] = [
        Content.styled(f"{retro.id} is {closed}: read-only. Its actions stay live (Checklists & nudges, search).", "$success"),
        "",
        Content.assemble(*counted(summary.cards, "card"), "  ·  ", *counted(summary.groups, "group"), "  ·  ",
                         *counted(summary.votes_possible, "vote", shown=f"{summary.votes_cast}/{summary.votes_possible}"), "  ·  ",
                         *counted(summary.topics_discussed, "topic with notes", "topics with notes"), "  ·  ",
                         *counted(summary.actions, "action"), f", {summary.actions_with_owner_and_due} with an owner and a due date"),
        Content.assemble(("Cards by column: ", "$text-muted"), " · ".join(f"{c} {n}" for c, n in summary.cards_by_column.items())),
    ]
    if summary.reviewed:
        reviewed = ", ".join(f"{n} {status}" for status, n in sorted(summary.reviewed.items()))
        out.append(Content.assemble(("Check-in: ", "$text-muted"), f"{plural(sum(summary.reviewed.values()), 'earlier action')} ({reviewed})"))
    out += ["", Content.styled("Topics by votes", "bold")]
    for topic in retros.topics(retro)[:10]:
        out.append(Content.assemble((f"{topic.total:>3}  ", "$warning"), clean_line(truncate(topic.title, 80))))
        if topic.notes:
            out.append(Content.styled("     " + clean_line(truncate(topic.notes, 100)), "$text-muted"))
    out += ["", Content.styled("Actions", "bold")]
    out += [action_row(store, a, now, show_retro=False) for a in retro_actions.retro_actions(store, retro.id)] or [Content.styled("none", "$text-muted")]
    return lines(*out)
