"""Areas (key 2): the product-area map, who owns what, and every gap in it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...core.areas import ownership, people, rules
from ...core.areas.lookup import area_path, has_active_owner, owner_coverage
from ...core.errors import ProdopsError
from ...core.model import CodeOwnersFile, FeedbackItem, Person, ProductArea, view_status_of
from ...core.text import clean_line, clean_text
from ..screens.area_form import AreaDetails, AreaForm
from ..screens.pickers import ChoiceScreen, SearchPickerScreen, TextScreen
from ..widgets.area_tree import AreaTree
from ..widgets.key_list import KeyList
from .areas_choices import NEW_PERSON, TOP_LEVEL, move_options, role_options
from .base import Pane

T = TypeVar("T")

MODES = ("areas", "people", "gaps")
MODE_LABELS = {"areas": "Areas", "people": "People", "gaps": "Gaps"}


class AreasPane(Pane):
    TITLE = "Product areas"
    # The map, its people, the CODEOWNERS rules, and each area's feedback (counts, newest, gaps).
    SHOWS_KINDS = frozenset({ProductArea.PREFIX, Person.PREFIX, CodeOwnersFile.PREFIX, FeedbackItem.PREFIX})

    BINDINGS = [
        Binding("w", "who_owns", "Who owns?", id="areas.who", tooltip="Type a file path (answered by the CODEOWNERS rules), part of an area path, a term or a name"),
        Binding("p", "set_mode('people')", "People", id="areas.people", tooltip="Everyone, and what each owns, maintains, influences"),
        Binding("right_square_bracket", "switch_mode(1)", "Next view", key_display="]", id="areas.next_mode", tooltip="Areas, People, Gaps"),
        Binding("left_square_bracket", "switch_mode(-1)", "Previous view", key_display="[", show=False, id="areas.previous_mode"),
        Binding("n", "new", "New", id="areas.new", tooltip="New area under the selected one (People: new person)"),
        Binding("r", "rename", "Rename", id="areas.rename"),
        Binding("M", "move", "Move", id="areas.move", tooltip="Put the area under another one"),
        Binding("d", "delete", "Delete", id="areas.delete", tooltip="Its feedback and sub-areas move to the parent"),
        Binding("o", "edit_role('owners')", "Owners", id="areas.owners", tooltip="Pick people to add or remove; a new name creates the person"),
        Binding("m", "edit_role('maintainers')", "Maintainers", id="areas.maintainers", tooltip="Pick people to add or remove; a new name creates the person"),
        Binding("i", "edit_role('influencers')", "Influencers", id="areas.influencers", tooltip="Pick people to add or remove; a new name creates the person"),
        Binding("s", "edit_role('designers')", "Designers", id="areas.designers", tooltip="Pick people to add or remove; a new name creates the person"),
        Binding("e", "edit_details", "Edit", id="areas.edit", tooltip="Description, team, channel, glossary, code paths, docs"),
        Binding("l", "toggle_left", "Left/back", id="areas.left", tooltip="People: mark a person as having left, or back"),
        Binding("enter", "open", "Feedback", id="areas.open", tooltip="Show the area's feedback in the inbox"),
        Binding("escape", "clear_filter", "Clear", show=False, id="areas.clear"),
    ]

    mode: reactive[str] = reactive("areas", init=False)

    class ShowFeedback(Message):
        """Open the inbox on this area's feedback (the app decides how)."""

        def __init__(self, area_id: str) -> None:
            super().__init__()
            self.area_id = area_id

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        # Grouped once per refresh, so moving the cursor never scans all feedback: each item's
        # number, status, snooze and when it was received, read from the cache's columns when
        # the items are not in memory (the app at 100k holds a page of them).
        self._feedback_by_area: dict[str | None, list[tuple[int, str, str | None, str]]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="areas-header")
        yield Input(placeholder="who owns…? a file path (by the CODEOWNERS rules), part of an area path, a glossary term or a person", id="areas-filter")
        with Horizontal(id="areas-body"):
            yield AreaTree("Product areas", id="area-tree")
            yield KeyList(id="area-results")  # j/k move in People and Gaps as in every list
            with VerticalScroll(id="area-detail"):
                yield Static(id="area-text")

    def on_mount(self) -> None:
        tree = self.query_one(AreaTree)
        tree.show_root = False
        tree.auto_expand = False  # enter opens the area's feedback; space expands and collapses
        # Pane.on_mount runs after this one: Textual calls each class's handler (no super() call).

    def focus_default(self) -> None:
        (self.query_one(AreaTree) if self._tree_shown else self.query_one("#area-results", OptionList)).focus()

    @property
    def _query(self) -> str:
        return self.query_one("#areas-filter", Input).value.strip()

    @property
    def _tree_shown(self) -> bool:
        return self.mode == "areas" and not self._query

    # --- rendering from the core ------------------------------------------------

    def refresh_view(self, *, keep_highlight: bool = True) -> None:
        self._feedback_by_area = {}
        for number, area_id, status, snoozed_until, received_at in self.store.fields(
                FeedbackItem, ("area", "status", "snoozed_until", "received_at")):
            self._feedback_by_area.setdefault(area_id, []).append((number, status, snoozed_until, received_at))
        owned, total = owner_coverage(self.store)
        pct = f"{100 * owned / total:.0f}%" if total else "n/a"
        modes = [Content.styled(f" {MODE_LABELS[m]} ", "reverse bold $primary" if m == self.mode else "$text-muted") for m in MODES]
        coverage = Content.assemble(("   owner coverage ", "$text-muted"), (f"{owned}/{total} = {pct}", "bold $status-unowned" if owned < total else "bold $status-done"))
        parts = [*modes, coverage]
        ruled, rule_total = rules.rule_coverage(self.store)
        if rule_total:
            parts.append(Content.assemble(("   rules with owners ", "$text-muted"),
                                          (f"{ruled}/{rule_total}", "bold $status-unowned" if ruled < rule_total else "bold $status-done")))
        self.query_one("#areas-header", Static).update(Content("").join(parts))
        tree, results = self.query_one(AreaTree), self.query_one("#area-results", OptionList)
        tree.display, results.display = self._tree_shown, not self._tree_shown
        if self._tree_shown:
            current = tree.cursor_node.data if tree.cursor_node else None
            tree.show(self.store.all(ProductArea), flagged=lambda area: not has_active_owner(self.store, area), keep=current)
            self.call_after_refresh(self._show_cursor_area)
        else:
            self._fill_results(keep_highlight=keep_highlight)

    def _show_cursor_area(self, tries: int = 3) -> None:
        """The cursor settles after the rebuild (a tree built as the pane is first shown has
        no lines until its next idle); show whatever it lands on."""
        tree = self.query_one(AreaTree)
        if tree.cursor_node is None and tries:
            self.call_after_refresh(self._show_cursor_area, tries - 1)
            return
        self._show_area(tree.cursor_node.data if tree.cursor_node else None)

    def _fill_results(self, *, keep_highlight: bool = True) -> None:
        results = self.query_one("#area-results", OptionList)
        highlighted = None
        if keep_highlight and results.highlighted is not None and results.option_count:
            highlighted = results.get_option_at_index(results.highlighted).id
        results.clear_options()
        results.add_options(self._result_options())
        if results.option_count:
            ids = [results.get_option_at_index(n).id for n in range(results.option_count)]
            first = next((n for n, option_id in enumerate(ids) if option_id), 0)  # gap headings have no id
            results.highlighted = ids.index(highlighted) if highlighted is not None and highlighted in ids else first
            # The detail follows the new list even when the highlighted index stayed the same
            # (no OptionHighlighted then, and the panel would describe the last list's row).
            chosen = ids[results.highlighted]
            if chosen:
                (self._show_person if self.mode == "people" else self._show_area)(chosen)
        else:
            self._show_text(Content.styled("Nothing matches." if self._query else "Nothing here.", "$text-muted"))

    def _result_options(self) -> list[Option]:
        if self.mode == "people":
            return [
                Option(Content.assemble(clean_line(p.name), (f"  {p.handle}  {p.team}", "$text-muted"), ("  left" if not p.active else "", "bold $status-unowned")), id=p.id)
                for p in people.find_people(self.store, self._query)
            ]
        if self.mode == "gaps":
            return self._gap_options()
        if rules.has_rules(self.store) and rules.looks_like_path(self.store, self._query):
            return self._path_options(self._query)
        return [
            Option(Content.assemble(match.path, (f"  {clean_line(match.matched)}", "$text-muted")), id=match.area.id)
            for match in ownership.who_owns(self.store, self._query)
        ]

    def _path_options(self, query: str) -> list[Option]:
        """A file path, answered by the rules as `prodops who PATH` answers it: owners, deciding rules, areas."""
        found = rules.owners_of_path(self.store, query)
        lines = [Content.assemble(("path   ", "$text-muted"), (clean_line(found.path), "bold"))]
        if not found.matched:
            lines.append(Content.styled("owners NO OWNER: no rule matches", "bold $status-unowned"))
        else:
            lines.append(Content.assemble(("owners ", "$text-muted"), (", ".join(map(clean_line, found.owners)), "bold") if found.owners
                                          else ("NO OWNER: the deciding rule names none", "bold $status-unowned")))
        for rule in found.rules:
            section = f"  [{rule.section}{', optional' if rule.optional else ''}]" if rule.section else ""
            lines.append(Content.assemble(("excluded by " if rule.exclusion else "rule   ", "$text-muted"),
                                          f"{clean_line(rule.file)}:{rule.line}  ", (clean_line(rule.written), "$accent"),
                                          (clean_line(section), "$text-muted")))
        options = [Option(Content("\n").join(lines), disabled=True)]
        for area in rules.path_record(self.store, found)["areas"]:
            options.append(Option(Content.assemble(("  area ", "$text-muted"), area["path"]), id=area["id"]))
        return options

    def _gap_options(self) -> list[Option]:
        found = ownership.gaps(self.store)
        options: list[Option] = []
        for title, areas in (("No owner", found.no_owner), ("Owner has left", found.owner_left), ("No maintainer", found.no_maintainer)):
            options.append(Option(Content.styled(f"{title} ({len(areas)})", "bold $status-unowned" if areas else "bold $status-done"), disabled=True))
            options += [Option(Content(f"  {area_path(self.store, area)}"), id=area.id) for area in areas]
        options.append(Option(Content.styled(f"Feedback with no area: {found.feedback_without_area}", "bold $warning"), disabled=True))
        return options

    def _show_text(self, content: Content) -> None:
        self.query_one("#area-text", Static).update(content)

    def _show_area(self, area_id: str | None) -> None:
        area = self.store.get(area_id) if area_id else None
        if not isinstance(area, ProductArea):
            self._show_text(Content.styled("No product areas yet: n adds one, or `prodops import areas FILE`." if not self.store.count(ProductArea) else "", "$text-muted"))
            return
        record = ownership.area_record(self.store, area)

        def names(role: str) -> Content:
            ids = getattr(area, role)
            if not ids:
                return Content.styled("—", "$status-unowned" if role in ("owners", "maintainers") else "$text-muted")
            parts = []
            for person_id in ids:
                person = self.store.get(person_id)
                if isinstance(person, Person):
                    # A person made from a CODEOWNERS handle is named by it: "@org/team", not "org/team".
                    shown = person.handle if person.handle and person.name == person.handle.lstrip("@") else person.name
                    parts.append(Content.assemble(clean_line(shown), (" (left)", "bold $status-unowned") if not person.active else ""))
            return Content(", ").join(parts)

        def field(label: str, value: Content | str) -> Content:
            return Content.assemble((f"{label:<13}", "$text-muted"), value if isinstance(value, Content) else clean_line(value) or "—")

        rows = self._feedback_by_area.get(area.id, [])
        now = self.store.clock()
        counts = Counter(view_status_of(status, snoozed, now) for _, status, snoozed, _ in rows)
        feedback = ", ".join(f"{counts[s]} {s}" for s in ("new", "snoozed", "processed", "archived") if counts[s]) or "none"
        newest_numbers = [number for number, *_ in sorted(rows, key=lambda row: row[3], reverse=True)[:5]]
        found = {item.number: item for item in self.store.get_many(FeedbackItem, newest_numbers)}
        newest = [found[number] for number in newest_numbers if number in found]
        flag = [] if has_active_owner(self.store, area) else [Content.styled("! no active owner", "bold $status-unowned")]
        self._show_text(Content("\n").join([
            Content.styled(record["path"], "bold"),
            Content.styled(area.id, "$text-muted"),
            *flag,
            Content(""),
            field("owners", names("owners")),
            field("maintainers", names("maintainers")),
            field("designers", names("designers")),
            field("influencers", names("influencers")),
            field("team", area.team),
            field("channel", area.channel),
            field("glossary", ", ".join(area.glossary)),
            field("code", ", ".join(area.code_paths)),
            field("docs", ", ".join(area.docs)),
            *self._rule_lines(area.id),
            Content(""),
            Content(clean_text(area.description)) if area.description else Content.styled("no description", "$text-muted"),
            Content(""),
            field("feedback", feedback),
            *(Content.assemble(("  ", ""), (f"{i.id:<7}", "$text-muted"), clean_line(i.title)) for i in newest),
            Content.styled("enter shows it in the inbox" if newest else "", "$text-muted"),
        ]))

    def _rule_lines(self, area_id: str, shown: int = 12) -> list[Content]:
        """The CODEOWNERS rules filed under the area, by file: line, pattern, the owners it gives."""
        owned = rules.rules_of_area(self.store, area_id)
        lines: list[Content] = []
        for file in dict.fromkeys(entry.file for entry in owned):
            in_file = [entry for entry in owned if entry.file == file]
            lines += [Content(""), Content.assemble((f"rules ({len(in_file)})", "bold $primary"), (f"  {clean_line(file)}", "$text-muted"))]
            for entry in in_file[:shown]:
                owners = "excluded" if entry.rule.exclusion else ", ".join(entry.owners) or "NO OWNER"
                lines.append(Content.assemble((f"  {entry.rule.line:>4} ", "$text-muted"),
                                              (clean_line(entry.rule.written), "$accent"),
                                              "  ", (clean_line(owners), "bold $status-unowned" if owners == "NO OWNER" else "")))
            if len(in_file) > shown:
                lines.append(Content.styled(f"  +{len(in_file) - shown} more: prodops export areas --format md", "$text-muted"))
        return lines

    def _show_person(self, person_id: str | None) -> None:
        person = self.store.get(person_id) if person_id else None
        if not isinstance(person, Person):
            return
        holdings = ownership.owned_by(self.store, person.id)
        lines = [
            Content.styled(clean_line(person.name), "bold"),
            Content.assemble((person.id, "$text-muted"), "  ", clean_line(person.handle), "  ", clean_line(person.email)),
            Content.assemble(clean_line(person.team), "  ", clean_line(person.role)),
            Content.styled("has left", "bold $status-unowned") if not person.active else Content(""),
        ]
        for label, areas in (("Owns", holdings.owns), ("Maintains", holdings.maintains), ("Designs", holdings.designs), ("Influences", holdings.influences)):
            lines.append(Content.styled(f"{label} ({len(areas)})", "bold $primary"))
            lines += [Content(f"  {area_path(self.store, area)}") for area in areas] or [Content.styled("  —", "$text-muted")]
        owned_rules = rules.rules_owned_by(self.store, [h for h in (person.handle, person.email) if h])
        if owned_rules:
            lines.append(Content.styled(f"CODEOWNERS rules ({len(owned_rules)})", "bold $primary"))
            lines += [Content.assemble((f"  {r.file}:{r.rule.line}  ", "$text-muted"), (clean_line(r.rule.pattern), "$accent"))
                      for r in owned_rules[:12]]
            if len(owned_rules) > 12:
                lines.append(Content.styled(f"  +{len(owned_rules) - 12} more: prodops who --person {clean_line(person.handle or person.email)}", "$text-muted"))
        self._show_text(Content("\n").join(lines))

    @on(AreaTree.NodeHighlighted)
    def tree_moved(self, event: AreaTree.NodeHighlighted) -> None:
        self._show_area(event.node.data)

    @on(OptionList.OptionHighlighted, "#area-results")
    def result_moved(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is None:
            return
        (self._show_person if self.mode == "people" else self._show_area)(event.option.id)

    @on(AreaTree.NodeSelected)
    @on(OptionList.OptionSelected, "#area-results")
    def selected(self) -> None:
        self.action_open()

    @on(Input.Changed, "#areas-filter")
    def filter_changed(self) -> None:
        self.refresh_view(keep_highlight=False)  # while typing, the best match is the one to act on

    @on(Input.Submitted, "#areas-filter")
    def filter_submitted(self) -> None:
        self.focus_default()

    # --- actions ----------------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        if self._tree_shown:
            node = self.query_one(AreaTree).cursor_node
            return node.data if node else None
        results = self.query_one("#area-results", OptionList)
        if results.highlighted is None or not results.option_count:
            return None
        return results.get_option_at_index(results.highlighted).id

    def _selected_area(self) -> ProductArea | None:
        found = self.store.get(self.selected_id) if self.selected_id and self.mode != "people" else None
        if not isinstance(found, ProductArea):
            self.app.bell()
            return None
        return found

    def _try(self, action: Callable[[], T], message: str | Callable[[T], str]) -> T | None:
        return self.store_change(action, message, title="Areas")

    def action_who_owns(self) -> None:
        if self.mode == "gaps":
            self.mode = "areas"
        box = self.query_one("#areas-filter", Input)
        box.focus()
        box.select_all()  # a new question replaces the last one as soon as you type

    def reveal(self, record_id: str) -> None:
        """Search chose this area (the tree, cursor on it) or person (People, highlighted)."""
        self.query_one("#areas-filter", Input).value = ""
        wanted_mode = "people" if record_id.startswith("P-") else "areas"
        self.set_reactive(AreasPane.mode, wanted_mode)
        self.refresh_view()
        if wanted_mode == "areas":
            self.query_one(AreaTree).show(self.store.all(ProductArea), flagged=lambda area: not has_active_owner(self.store, area), keep=record_id)
        else:
            results = self.query_one("#area-results", OptionList)
            ids = [results.get_option_at_index(n).id for n in range(results.option_count)]
            if record_id in ids:
                results.highlighted = ids.index(record_id)
        self.focus_default()

    def action_clear_filter(self) -> None:
        self.query_one("#areas-filter", Input).value = ""
        self.focus_default()

    def action_set_mode(self, mode: str) -> None:
        self.mode = "areas" if self.mode == mode else mode

    def action_switch_mode(self, step: int) -> None:
        self.mode = MODES[(MODES.index(self.mode) + step) % len(MODES)]

    def watch_mode(self) -> None:
        self.refresh_view()
        self.focus_default()

    def action_open(self) -> None:
        if self.mode == "people":
            self._show_person(self.selected_id)
            return
        area = self._selected_area()
        if area is not None:
            self.post_message(self.ShowFeedback(area.id))

    def action_new(self) -> None:
        if self.mode == "people":
            self.app.push_screen(TextScreen("New person (name)"), lambda name: name and self._try(lambda: people.add_person(self.store, name, origin="app"), lambda p: f"Added {p.name}"))
            return
        parent = self.store.get(self.selected_id) if self.selected_id and self.mode != "people" else None
        parent_id = parent.id if isinstance(parent, ProductArea) else None
        where = f"under {area_path(self.store, parent_id)}" if parent_id else "at the top"
        self.app.push_screen(
            TextScreen(f"New area {where}", placeholder="its name"),
            lambda name: name and self._try(lambda: ownership.add_area(self.store, name, parent=parent_id, origin="app"), lambda a: f"Added {area_path(self.store, a)}"),
        )

    def action_rename(self) -> None:
        if self.mode == "people":
            person = self.store.get(self.selected_id or "")
            if isinstance(person, Person):
                self.app.push_screen(TextScreen(f"Rename {person.name}", value=person.name), lambda name: name and self._try(lambda: people.rename_person(self.store, person.id, name, origin="app"), f"Renamed to {name}"))
            return
        area = self._selected_area()
        if area is not None:
            self.app.push_screen(TextScreen(f"Rename {area_path(self.store, area)}", value=area.name), lambda name: name and self._try(lambda: ownership.rename_area(self.store, area.id, name, origin="app"), f"Renamed to {name}"))

    def action_move(self) -> None:
        area = self._selected_area()
        if area is None:
            return

        def apply(target: str | None) -> None:
            if target is not None:
                self._try(lambda: ownership.move_area(self.store, area.id, None if target == TOP_LEVEL else target, origin="app"), lambda a: f"Moved to {area_path(self.store, a)}")

        self.app.push_screen(SearchPickerScreen(f"Move {area_path(self.store, area)} under…", lambda q: move_options(self.store, area, q)), apply)

    def action_delete(self) -> None:
        area = self._selected_area()
        if area is None:
            return
        choices = [("yes", "Delete it: its feedback and sub-areas move to its parent"), ("no", "Keep it")]

        def apply(answer: str | None) -> None:
            if answer == "yes":
                self._try(lambda: ownership.delete_area(self.store, area.id, origin="app"), lambda moved: f"Deleted {area.name}; moved {moved[0]} feedback items and {moved[1]} sub-areas up")

        self.app.push_screen(ChoiceScreen(f"Delete {area_path(self.store, area)}?", choices, "no"), apply)

    def action_edit_role(self, role: str) -> None:
        area = self._selected_area()
        if area is None:
            return

        def apply(choice: str | None) -> None:
            if not choice:
                return
            current = list(getattr(self.store.get(area.id), role))
            if choice.startswith(NEW_PERSON):
                try:
                    choice = people.add_person(self.store, choice.removeprefix(NEW_PERSON), origin="app").id
                except ProdopsError as exc:
                    self.notify(str(exc), title="Not added", severity="error")
                    return
            updated = [pid for pid in current if pid != choice] if choice in current else [*current, choice]
            verb = "Removed from" if choice in current else "Added to"
            self._try(lambda: ownership.set_role(self.store, area.id, role, updated, origin="app"), f"{verb} {role}")

        self.app.push_screen(
            SearchPickerScreen(f"{role.capitalize()} of {area_path(self.store, area)}: pick to add or remove", lambda q: role_options(self.store, area.id, role, q), placeholder="type a name; a new name creates the person"),
            apply,
        )

    def action_edit_details(self) -> None:
        area = self._selected_area()
        if area is None:
            return

        def save(details: AreaDetails | None) -> None:
            if details is not None:
                self._try(lambda: ownership.update_area(self.store, area.id, description=details.description, team=details.team,
                                                        channel=details.channel, glossary=details.glossary,
                                                        code_paths=details.code_paths, docs=details.docs, origin="app"),
                          f"Saved {area.name}")

        self.app.push_screen(AreaForm(area, area_path(self.store, area)), save)

    def action_toggle_left(self) -> None:
        person = self.store.get(self.selected_id or "") if self.mode == "people" else None
        if not isinstance(person, Person):
            self.notify("In People (p): l marks the selected person as having left, or back.", title="Areas")
            return
        self._try(lambda: people.set_active(self.store, person.id, not person.active, origin="app"), f"{person.name} {'has left' if person.active else 'is back'}")
