"""What the app builds, from the shell: `prodops area`, `person`, `opportunity`, `retro` and
`checklist`. Each calls the core verb the app's key calls, so the change, its label and its
undo record are the app's (`u` in the app takes back a change made here); who acts is `--as`
(store.actor, set by dispatch)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from ..core.areas import ownership, people
from ..core.areas.lookup import area_path, has_active_owner, resolve_area
from ..core.dates import display_date, from_iso, parse_when
from ..core.errors import InvalidInput, NotFound
from ..core.model import ChecklistRun, Opportunity, Retro, RetroCard
from ..core.storage.store import Store
from ..core.text import clean_line, plural
from .output import print_json
from .usage import UsageError


def _json_flag(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON")


def add_parsers(commands: argparse._SubParsersAction) -> None:
    _area_parsers(commands)
    _person_parsers(commands)
    _opportunity_parsers(commands)
    _retro_parsers(commands)
    _checklist_parsers(commands)


def _area_parsers(commands: argparse._SubParsersAction) -> None:
    area = commands.add_parser(
        "area", help="add, rename, move or remove a product area",
        description="Build the product-area map: the same changes as n, r, M and d in Areas, each one undo step. "
                    "AREA is an id (A-7), a path (Billing/Invoices) or a unique name.")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="a new area", description="A new area at the top, under --under, or under the path NAME gives (Billing/Invoices adds Invoices under Billing).")
    add.add_argument("name", metavar="NAME|PATH")
    add.add_argument("--under", metavar="AREA", help="the parent area")
    _json_flag(add, "the area")
    rename = actions.add_parser("rename", help="give an area another name", description="Rename an area; its sub-areas, feedback and rules follow.")
    rename.add_argument("area", metavar="AREA")
    rename.add_argument("name", metavar="NAME")
    _json_flag(rename, "the area")
    move = actions.add_parser("move", help="put an area under another one", description="Move an area (and everything below it) under another area, or to the top level.")
    move.add_argument("area", metavar="AREA")
    where = move.add_mutually_exclusive_group(required=True)
    where.add_argument("--under", metavar="AREA", help="the new parent")
    where.add_argument("--top", action="store_true", help="to the top level")
    _json_flag(move, "the area")
    remove = actions.add_parser("remove", help="remove an area: its feedback and sub-areas move to its parent",
                                description="Remove an area. Nothing is lost: its feedback and sub-areas move to its parent (u in the app undoes it).")
    remove.add_argument("area", metavar="AREA")
    _json_flag(remove, "what was removed and moved")


def _person_parsers(commands: argparse._SubParsersAction) -> None:
    person = commands.add_parser("person", help="add a person, or mark one as having left",
                                 description="The people areas point to: the same changes as n and l in Areas' People view.")
    actions = person.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="a new person")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--handle", default="", help="their handle (@priya), as CODEOWNERS names them")
    add.add_argument("--email", default="")
    add.add_argument("--team", default="")
    add.add_argument("--role", default="", help="job title, e.g. 'Product Manager'")
    _json_flag(add, "the person")
    leave = actions.add_parser("leave", help="mark a person as having left",
                               description="They stay on their areas, flagged, so the gap shows (Areas, Gaps) until someone takes over.")
    leave.add_argument("person", metavar="PERSON", help="an id (P-3), a handle, an email or a name")
    _json_flag(leave, "the person")


def _opportunity_parsers(commands: argparse._SubParsersAction) -> None:
    opportunity = commands.add_parser("opportunity", help="add an opportunity, or set its status",
                                      description="Opportunities: the problems feedback links to.")
    actions = opportunity.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="a new opportunity (exploring)",
                             description="A new opportunity. With --feedback, the items are linked to it in the same change, "
                                         "as o then a new title does in the inbox.")
    add.add_argument("title", metavar="TITLE")
    add.add_argument("--description", default="")
    add.add_argument("--area", metavar="AREA")
    add.add_argument("--feedback", metavar="ID", action="append", default=[], help="a feedback item to link to it (repeat)")
    _json_flag(add, "the opportunity")
    status = actions.add_parser("status", help="move an opportunity to a status",
                                description="exploring, planned, in progress, shipped or won't do (1-5 in the opportunities screen).")
    status.add_argument("opportunity", metavar="O-ID")
    status.add_argument("status", metavar="STATUS")
    _json_flag(status, "the opportunity")


def _retro_parsers(commands: argparse._SubParsersAction) -> None:
    retro = commands.add_parser("retro", help="start a retro, add a card, move its phase, close it",
                                description="Retros from the shell: the same changes as n, ] and [ in Retro.")
    actions = retro.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="start a retro from a template",
                             description="Start a retro (at Check-in, with the team's open actions to review).")
    new.add_argument("--team", required=True, help="its open actions come back at the team's next retro")
    new.add_argument("--template", default="Start/Stop/Continue", help="a template's name or its start (default: Start/Stop/Continue)")
    new.add_argument("--title", default="")
    new.add_argument("--participant", metavar="NAME", action="append", default=[], dest="participants",
                     help="who takes part (repeat, or separate with commas)")
    new.add_argument("--facilitator", default="")
    new.add_argument("--votes", type=int, default=3, metavar="N", help="votes per person (default 3)")
    new.add_argument("--area", metavar="AREA", help="the product area (a launch post-mortem needs one)")
    _json_flag(new, "the retro")
    phase = actions.add_parser("phase", help="on to the next phase, or back one",
                               description="Check-in, Reflect, Group, Vote, Discuss, Actions, Closed: one step, as ] and [ do.")
    phase.add_argument("retro", metavar="R-ID")
    phase.add_argument("step", choices=("next", "back"))
    _json_flag(phase, "the retro")
    card = actions.add_parser("card", help="add a card (Reflect)",
                              description="Add a card to a column, signed by you (--as) unless --anonymous. "
                                          "Hidden from the room until the retro reveals its cards.")
    card.add_argument("retro", metavar="R-ID")
    card.add_argument("column", metavar="COLUMN", help="its title, the start of it, or its number (1 is the first)")
    card.add_argument("text", metavar="TEXT|-", help="the card, or - to read it from stdin")
    card.add_argument("--anonymous", action="store_true", help="no author on the card")
    _json_flag(card, "the card")
    close = actions.add_parser("close", help="close a retro: read-only from then on",
                               description="Close the retro from any phase, as ] from Actions does; its actions stay live.")
    close.add_argument("retro", metavar="R-ID")
    _json_flag(close, "the retro")


def _checklist_parsers(commands: argparse._SubParsersAction) -> None:
    checklist = commands.add_parser("checklist", help="start a checklist run, tick its items",
                                    description="Checklist runs: the same changes as r and space in Checklists & nudges.")
    actions = checklist.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("run", help="start a run of a checklist",
                             description="A run for the occurrence that is due (or missed) without one, else now; "
                                         "--due picks another occurrence, --now one outside the schedule.")
    run.add_argument("checklist", metavar="CHECKLIST", help="an id (C-4) or its name")
    when = run.add_mutually_exclusive_group()
    when.add_argument("--due", metavar="DATE", help="the occurrence on that day (a missed one, or the next)")
    when.add_argument("--now", action="store_true", help="a run now, outside the schedule")
    _json_flag(run, "the run")
    tick = actions.add_parser("tick", help="tick items of a run",
                              description="Tick items, signed by you (--as) with the time; each tick is one undo step. "
                                          "The run completes when every item is ticked.")
    tick.add_argument("run", metavar="RUN", help="a run's id (CR-7), or a checklist (C-4, its name) with one run going")
    tick.add_argument("items", metavar="ITEM", nargs="+", help="an item's number (1 is the first) or words of its text")
    tick.add_argument("--untick", action="store_true", help="take the ticks back")
    _json_flag(tick, "the run")


def _note(text: str) -> None:
    print(f"prodops: note: {clean_line(text)}", file=sys.stderr)


# --- areas ---------------------------------------------------------------------------------


def cmd_area(store: Store, args: argparse.Namespace) -> int:
    return {"add": _area_add, "rename": _area_rename, "move": _area_move, "remove": _area_remove}[args.action](store, args)


def _area_line(store: Store, area_id: str, what: str) -> str:
    return f"{area_id} {what}: {area_path(store, area_id)}"


def _area_add(store: Store, args: argparse.Namespace) -> int:
    name, parent = args.name, args.under
    if "/" in name:
        if parent:
            raise UsageError("give the new area as a path (Billing/Invoices) or as a name with --under, not both")
        parent, _, name = name.rpartition("/")
    parent_id = resolve_area(store, parent).id if parent and parent.strip() else None
    area = ownership.add_area(store, name, parent=parent_id, origin="cli")
    _print_area(store, area.id, "added", args.json)
    return 0


def _print_area(store: Store, area_id: str, what: str, as_json: bool) -> None:
    area = store.get(area_id)
    if as_json:
        print_json(ownership.area_record(store, area))  # type: ignore[arg-type]
    else:
        print(_area_line(store, area_id, what))


def _area_rename(store: Store, args: argparse.Namespace) -> int:
    area = resolve_area(store, args.area)
    ownership.rename_area(store, area.id, args.name, origin="cli")
    _print_area(store, area.id, "renamed", args.json)
    return 0


def _area_move(store: Store, args: argparse.Namespace) -> int:
    area = resolve_area(store, args.area)
    parent_id = None if args.top else resolve_area(store, args.under).id
    if parent_id == area.parent:
        _note(f"{area.id} is {'at the top level' if parent_id is None else 'under ' + area_path(store, parent_id)} already")
    else:
        ownership.move_area(store, area.id, parent_id, origin="cli")
    _print_area(store, area.id, "moved", args.json)
    return 0


def _area_remove(store: Store, args: argparse.Namespace) -> int:
    area = resolve_area(store, args.area)
    before = ownership.area_record(store, area)
    feedback, children = ownership.delete_area(store, area.id, origin="cli")
    if args.json:
        print_json({"removed": before, "feedback_moved": feedback, "areas_moved": children, "moved_to": area.parent})
        return 0
    to = area_path(store, area.parent) if area.parent else ""
    moved = []
    if feedback:
        moved.append(f"{plural(feedback, 'feedback item')} {'moved to ' + to if to else 'left without an area'}")
    if children:
        moved.append(f"{plural(children, 'sub-area')} moved {'under ' + to if to else 'to the top level'}")
    print(f"{area.id} removed: {before['path']}" + (f"; {'; '.join(moved)}" if moved else ""))
    return 0


# --- people --------------------------------------------------------------------------------


def cmd_person(store: Store, args: argparse.Namespace) -> int:
    if args.action == "add":
        person = people.add_person(store, args.name, handle=args.handle, email=args.email, team=args.team,
                                   role=args.role, origin="cli")
        if args.json:
            print_json(ownership.person_record(store, person))
        else:
            print(f"{person.id} {clean_line(person.name)}" + (f" {clean_line(person.handle)}" if person.handle else ""))
        return 0
    person = people.resolve_person(store, args.person)
    if not person.active:
        _note(f"{person.id} {person.name} left on {display_date(person.left_at) if person.left_at else 'an unknown day'} already")
    else:
        person = people.set_active(store, person.id, False, origin="cli")
    if args.json:
        print_json(ownership.person_record(store, person))
        return 0
    unowned = [area for area in ownership.owned_by(store, person.id).owns if not has_active_owner(store, area)]
    gap = f"; {plural(len(unowned), 'area')} now without an active owner" if unowned else ""
    print(f"{person.id} {clean_line(person.name)} has left{gap}")
    return 0


# --- opportunities -------------------------------------------------------------------------


def _opportunity_record(store: Store, opportunity_id: str) -> dict[str, Any]:
    from ..core.feedback.exporters import opportunity_records

    return next(record for record in opportunity_records(store) if record["id"] == opportunity_id)


def cmd_opportunity(store: Store, args: argparse.Namespace) -> int:
    from ..core.feedback import inbox, opportunities

    if args.action == "add":
        if args.feedback:
            if args.description or args.area:
                raise UsageError("--feedback links the items as the inbox does, to an opportunity with a title only; "
                                 "add it without --feedback to give an area or a description")
            items = inbox.update(store, args.feedback, inbox.Triage(new_opportunity=args.title), origin="cli")
            made = items[0].opportunity or ""
            linked = f" (linked {', '.join(item.id for item in items)})"
        else:
            made = opportunities.create(store, args.title, description=args.description, area=args.area, origin="cli").id
            linked = ""
        if args.json:
            print_json(_opportunity_record(store, made))
        else:
            print(f"{made} {clean_line(store.get(made).title)}{linked}")  # type: ignore[union-attr]
        return 0
    value = opportunities.check_status(args.status)
    found = store.get(args.opportunity.strip().upper())
    if not isinstance(found, Opportunity):
        raise NotFound(f"no opportunity {clean_line(args.opportunity)}")
    if found.status == value:
        _note(f"{found.id} is {opportunities.STATUS_LABELS[value]} already")
    else:
        found = opportunities.set_status(store, found.id, value, origin="cli")
    if args.json:
        print_json(_opportunity_record(store, found.id))
    else:
        shipped = f" (shipped {display_date(found.shipped_at)})" if found.status == "shipped" and found.shipped_at else ""
        print(f"{found.id} is {opportunities.STATUS_LABELS[found.status]}{shipped}: {clean_line(found.title)}")
    return 0


# --- retros --------------------------------------------------------------------------------


def cmd_retro(store: Store, args: argparse.Namespace) -> int:
    from ..core.retro import board
    from ..core.retro.export import retro_record

    if args.action == "new":
        retro = _retro_new(store, args)
    elif args.action == "phase":
        retro = board.move_phase(store, args.retro, 1 if args.step == "next" else -1, origin="cli")
    elif args.action == "close":
        if board.get_retro(store, args.retro).phase == "closed":
            raise InvalidInput(f"{board.get_retro(store, args.retro).id} is closed already")
        retro = board.close_retro(store, args.retro, origin="cli")
    else:
        return _retro_card(store, args)
    if args.json:
        print_json(retro_record(store, retro))
        return 0
    if args.action == "new":
        print(f"{retro.id} started: {clean_line(retro.title)}; at Check-in with "
              f"{plural(len(retro.checkin), 'open action')} of the team's to review")
    elif args.action == "phase":
        print(f"{retro.id} is at {board.PHASE_LABELS[retro.phase]}")
    else:
        summary = board.summarise(store, retro)
        print(f"{retro.id} closed: {plural(summary.cards, 'card')}, {plural(summary.groups, 'group')}, "
              f"{plural(summary.actions, 'action')} ({summary.actions_open} open)")
    return 0


def _retro_new(store: Store, args: argparse.Namespace) -> Retro:
    from ..core.retro import board
    from ..core.retro.templates import find_template, load_templates

    templates, problems = load_templates(store.directory)
    for problem in problems:
        print(f"prodops: warning: {clean_line(problem)}", file=sys.stderr)
    template = find_template(templates, args.template)
    if template is None:
        raise InvalidInput(f"no retro template {clean_line(args.template)!r}; the templates: {', '.join(t.name for t in templates)}")
    area = resolve_area(store, args.area).id if args.area and args.area.strip() else None
    participants = [name for given in args.participants for name in board.split_names(given)]
    return board.start_retro(store, template, team=args.team, title=args.title, facilitator=args.facilitator,
                             participants=participants, votes_per_person=args.votes, area=area, origin="cli")


def _retro_card(store: Store, args: argparse.Namespace) -> int:
    from ..core.retro import board

    retro = board.get_retro(store, args.retro)
    if retro.phase == "checkin":
        raise InvalidInput(f"cards are written in Reflect; {retro.id} is at Check-in: `prodops retro phase {retro.id} next` moves it on")
    column = board.find_column(retro, args.column)
    text = sys.stdin.buffer.read().decode("utf-8", errors="replace") if args.text == "-" else args.text
    retro, card = board.add_card(store, args.retro, column, text, author="" if args.anonymous else store.actor, origin="cli")
    if args.json:
        print_json(card_record(retro, card))
    else:
        print(f"{retro.id}#{card.number}")
    return 0


def card_record(retro: Retro, card: RetroCard) -> dict[str, Any]:
    """A card as its author sees it (`retro card --json`): its text even while hidden."""
    return {"id": f"{retro.id}#{card.number}", "retro": retro.id, "number": card.number, "column": card.column,
            "text": card.text, "author": card.author or None, "hidden": card.hidden, "created_at": card.created_at}


# --- checklists ----------------------------------------------------------------------------


def cmd_checklist(store: Store, args: argparse.Namespace) -> int:
    from ..core.rituals import checklists

    if args.action == "run":
        checklist = checklists.find_checklist(store, args.checklist)
        now = from_iso(store.clock())
        due_at = None if args.now else _occurrence(store, checklist, args.due, now) if args.due else _first_due(store, checklist, now)
        run = checklists.start_run(store, checklist.id, due_at=due_at, origin="cli")
        if args.json:
            print_json(checklists.run_record(run))
        else:
            print(f"{run.id} started: {clean_line(run.title)}")
            _print_items(run)
        return 0
    run = checklists.run_to_tick(store, args.run)
    indexes = list(dict.fromkeys(checklists.find_step(run, item) for item in args.items))  # all found before any tick
    done = not args.untick
    for index in indexes:
        if run.steps[index].done == done:
            _note(f"{run.id} item {index + 1} is {'ticked' if done else 'not ticked'} already")
            continue
        run = checklists.tick(store, run.id, index, by=store.actor, done=done, origin="cli")
    if args.json:
        print_json(checklists.run_record(run))
        return 0
    progress = checklists.progress(run)
    state = "complete" if run.completed_at else f"{progress.done} of {plural(progress.total, 'item')} ticked"
    print(f"{run.id} {state}: {clean_line(run.title)}")
    _print_items(run)
    return 0


def _first_due(store: Store, checklist: Any, now: datetime) -> str | None:
    """The occurrence a run is for when none is named: the most pressing one without a run
    (due, else missed, else the next, early); None (now) for a checklist without a schedule. A
    scheduled checklist whose every such occurrence has a run is refused: a script run twice
    must not start a second run nobody asked for (--now does, on purpose)."""
    from ..core.rituals import checklists

    if not checklist.rrule:
        return None
    scheduled = [choice for choice in checklists.run_choices(store, checklist, now) if choice.due_at]
    if not scheduled:
        going = ", ".join(r.id for r in checklists.runs_of(store, checklist.id) if r.completed_at is None)
        raise InvalidInput(f"{checklist.id} {checklist.name} has a run for every occurrence due and the next one"
                           f"{f' ({going} going)' if going else ''}; --now starts one outside the schedule")
    return scheduled[0].due_at


def _occurrence(store: Store, checklist: Any, text: str, now: datetime) -> str | None:
    """The occurrence on the day `text` names, among those a run may be started for."""
    from ..core.rituals import checklists

    day = display_date(parse_when(text, now=now))
    choices = [c for c in checklists.run_choices(store, checklist, now) if c.due_at]
    for choice in choices:
        if choice.due_at and display_date(choice.due_at) == day:
            return choice.due_at
    offered = ", ".join(f"{display_date(c.due_at)} ({c.kind})" for c in choices if c.due_at) or "none: --now starts one"
    raise InvalidInput(f"{checklist.id} {checklist.name} has no occurrence on {day} to start; it has {offered}")


def _print_items(run: ChecklistRun) -> None:
    for number, step in enumerate(run.steps, start=1):
        by = f"  ({clean_line(step.done_by)})" if step.done and step.done_by else ""
        print(f"  {'[x]' if step.done else '[ ]'} {number}. {clean_line(step.text)}{by}")
