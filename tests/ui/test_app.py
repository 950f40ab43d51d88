"""The app shell, driven by the keyboard as a user would."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import ContentSwitcher, Tab, Tabs

from prodops_tui.core.feedback import inbox
from prodops_tui.core.storage.store import Store
from prodops_tui.ui.app import ProdopsApp, UnknownTheme
from prodops_tui.ui.panes.inbox import InboxPane
from prodops_tui.ui.screens.help import HelpScreen
from prodops_tui.ui.widgets.feedback_list import FeedbackList

from ..conftest import fixed_clock
from .conftest import click_actions_in, find_on_screen, messages, wait_until

SIZE = (120, 40)


def listed(app: ProdopsApp) -> list[str]:
    """The texts the inbox list shows, in order."""
    return [item.text for item in app.query_one(FeedbackList).items]


def detail_text(app: ProdopsApp) -> str:
    return str(app.query_one("#detail").content)


async def test_number_keys_switch_panes_and_the_tab_follows(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        for key, pane_id in [("2", "areas"), ("3", "retro"), ("4", "checklists"), ("5", "metrics"), ("1", "inbox")]:
            await pilot.press(key)
            assert app.query_one("#panes", ContentSwitcher).current == pane_id
            assert app.query_one(Tabs).active == f"tab-{pane_id}"


async def test_a_pane_switch_puts_the_tab_underline_in_place_without_sliding_unless_the_user_asks(
        demo_store, make_app, monkeypatch):
    """Textual slid the underline for 0.3 s on every switch, drawing the header, tabs and footer
    about 18 times (half the switch's wall time). A user's TEXTUAL_ANIMATIONS still wins."""
    from textual.widgets._tabs import Underline  # private, and only this test needs it: a move fails here

    slides: list[str] = []
    real_animate = Underline.animate
    monkeypatch.setattr(Underline, "animate", lambda self, attribute, *args, **kwargs: (
        slides.append(attribute), real_animate(self, attribute, *args, **kwargs))[1])

    async def switch(app: ProdopsApp) -> tuple[tuple[float, float], tuple[int, int]]:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("5")
            await pilot.pause(0.4)
            underline = app.query_one(Underline)
            tab = app.query_one("#tab-metrics", Tab)
            return (underline.highlight_start, underline.highlight_end), tab.virtual_region.shrink(tab.styles.gutter).column_span

    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    shown, tab_columns = await switch(make_app(demo_store))
    assert shown == tab_columns and slides == []
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    shown, tab_columns = await switch(make_app(demo_store))
    assert shown == tab_columns and "highlight_start" in slides  # slid there, as asked


async def test_inbox_keys_do_nothing_while_another_pane_is_shown(demo_store, make_app):
    app = make_app(demo_store)
    new_before = inbox.counts_by_view(demo_store)["new"]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "x", "asterisk", "t", "a")  # inbox keys the Areas pane does not bind
        await pilot.pause()
        assert inbox.counts_by_view(demo_store)["new"] == new_before
        assert not app.query_one(FeedbackList).marked
        assert not isinstance(app.focused, FeedbackList) and app.screen is app.screen_stack[0]
        await pilot.press("1", "e")
        await pilot.pause()
        assert inbox.counts_by_view(demo_store)["new"] == new_before - 1


async def test_question_mark_lists_every_global_key_and_escape_closes_it(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(str(column.content) for column in app.screen.query(".help-column"))
        for description in ("Inbox", "Areas", "Retro", "Checklists & nudges", "Metrics", "Search", "Undo", "Help", "Palette", "Quit"):
            assert description in shown
        for inbox_key in ("j down", "G end", "Mark", "Open", "Area", "Tags", "Importance", "Snooze", "Archive", "Processed"):
            assert inbox_key in shown
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_u_undoes_the_last_change_even_one_made_from_the_shell(demo_store, make_app):
    item = inbox.capture(demo_store, "Bulk export times out", customer="Acme Freight", origin="cli")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert listed(app)[0] == "Bulk export times out"
        await pilot.press("u")
        await pilot.pause()
        assert demo_store.get(item.id) is None
        assert "Bulk export times out" not in listed(app)
        assert any("Undid: captured feedback" in m for m in messages(app))
        await pilot.press("u")  # nothing left: the demo itself is not an undoable change
        await pilot.pause()
        assert any("nothing to undo" in m for m in messages(app))


async def test_a_capture_from_another_process_shows_up_within_seconds(demo_store, make_app, workspace):
    app = make_app(demo_store, poll_external=True)
    async with app.run_test(size=SIZE) as pilot:
        other = Store.open(workspace, clock=fixed_clock)
        inbox.capture(other, "Captured from a shell while the app is open", origin="cli")
        assert await wait_until(pilot, lambda: "Captured from a shell while the app is open" in listed(app), seconds=4)
        assert listed(app)[0] == "Captured from a shell while the app is open"


async def test_markup_and_escape_codes_in_feedback_are_shown_as_plain_text(demo_store, make_app, monkeypatch):
    inbox.capture(demo_store, "[@click=app.quit]Click to win[/] [link=https://evil.example]x[/link] \x1b]0;owned\x07")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = detail_text(app)
        assert "[@click=app.quit]Click to win[/] [link=https://evil.example]x[/link] ]0;owned" in shown
        assert "\x1b" not in shown
        # Shown as text, the "link" runs nothing: no cell of the panel carries a click
        # action, and a click right on it (in the title and in the body) does not quit.
        assert click_actions_in(app, "#detail") == []
        quits = []
        monkeypatch.setattr(app, "action_quit", lambda: quits.append("quit"))
        for x, y in find_on_screen(app, "Click to win"):
            await pilot.click(offset=(x + 1, y))
        await pilot.pause()
        assert quits == [] and app.return_code is None


def test_an_unknown_theme_is_refused_with_the_available_names(demo_store, make_app):
    with pytest.raises(UnknownTheme, match="prodops-light"):
        make_app(demo_store, theme="no-such-theme")


def test_a_theme_asked_for_whose_file_is_broken_is_refused_naming_the_file_and_why(demo_store, make_app, tmp_path):
    from prodops_tui.core.workspace import Settings

    settings = Settings(tmp_path / "config")
    (settings.path.parent / "themes").mkdir(parents=True)
    (settings.path.parent / "themes" / "mine.toml").write_text('name = "mine"\nprimary = "not a colour"\n', encoding="utf-8")
    with pytest.raises(UnknownTheme, match=r"theme 'mine' did not load: mine.toml: primary = 'not a colour' is not a colour"):
        ProdopsApp(demo_store, theme="mine", settings=settings, poll_external=False, actor="Sam Tester")


async def test_a_chosen_theme_is_remembered_for_next_time(demo_store, make_app, tmp_path):
    app = make_app(demo_store, theme="prodops-light")
    async with app.run_test(size=SIZE):
        assert app.theme == "prodops-light"
    again = make_app(demo_store)
    assert again.theme == "prodops-light"


async def test_a_broken_theme_file_is_reported_and_the_others_still_load(demo_store, make_app, tmp_path):
    themes = tmp_path / "user-themes"
    themes.mkdir()
    (themes / "broken.toml").write_text('name = "broken"\nprimary = "not a colour"\n')
    (themes / "mine.toml").write_text('name = "mine"\nprimary = "#ff0000"\n')
    app = make_app(demo_store, extra_theme_dirs=[themes])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert "mine" in app.available_themes and "prodops-dark" in app.available_themes
        assert any("broken.toml" in m for m in messages(app))


async def test_q_quits_and_every_change_is_already_stored(demo_store, make_app, workspace):
    (first,) = [item.id for item in inbox.list_feedback(demo_store, status="new")[:1]]
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")  # archive, then quit straight away
        assert app.return_code is None
        await pilot.press("q")
        assert app.return_code == 0  # q asked the app to exit, with success
    reopened = Store.open(workspace, clock=fixed_clock)
    assert reopened.get(first).status == "archived"
    reopened.close()


async def test_the_app_folds_the_journal_in_a_worker_not_in_the_key_press(demo_store, make_app, workspace, monkeypatch):
    # Every change is past the threshold (fold_min_bytes=1 no longer does it: the demo's own
    # fill now leaves a folded snapshot, whose quarter the journal must outgrow).
    monkeypatch.setattr(demo_store, "fold_due", lambda: True)
    fold_threads = []
    real_fold = demo_store.fold

    def recording_fold(**kwargs):
        fold_threads.append(threading.current_thread())
        return real_fold(**kwargs)

    monkeypatch.setattr(demo_store, "fold", recording_fold)
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        snapshot_before = (workspace / "prodops.json").stat().st_ino
        await pilot.press("e")
        await app.workers.wait_for_complete()
        assert fold_threads and all(t is not threading.main_thread() for t in fold_threads)
        assert (workspace / "prodops.json").stat().st_ino != snapshot_before
        assert not (workspace / "journal.jsonl").exists()


async def test_a_theme_picked_while_running_is_remembered(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "prodops-high-contrast"  # what the palette's Theme command sets
        await pilot.pause()
    assert make_app(demo_store).theme == "prodops-high-contrast"


async def test_a_change_from_any_writer_reaches_the_visible_pane_with_no_message_to_remember(demo_store, make_app):
    """A modal screen, a worker or a core verb called directly: the store announces the
    change, so the screen cannot be left stale by a writer that forgot to say so."""
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        inbox.capture(demo_store, "Written behind the pane's back", origin="app")
        assert await wait_until(pilot, lambda: listed(app)[:1] == ["Written behind the pane's back"], seconds=3)


async def test_only_the_visible_pane_re_renders_and_a_hidden_one_catches_up_when_shown(demo_store, make_app, monkeypatch):
    from prodops_tui.ui.panes.areas import AreasPane
    from prodops_tui.ui.panes.retro import RetroPane

    renders: list[str] = []
    for pane_type in (InboxPane, AreasPane, RetroPane):
        real = pane_type.refresh_view
        monkeypatch.setattr(pane_type, "refresh_view", lambda self, real=real: (renders.append(type(self).__name__), real(self))[1])
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        renders.clear()
        await pilot.press("e")  # archive in the inbox
        await pilot.pause()
        assert renders.count("InboxPane") >= 1 and "AreasPane" not in renders and "RetroPane" not in renders
        renders.clear()
        await pilot.press("2")
        await pilot.pause()
        assert renders.count("AreasPane") == 1  # one catch-up render on showing it
        renders.clear()
        await pilot.press("1", "2")
        await pilot.pause()
        assert "AreasPane" not in renders  # nothing changed since: no render


async def test_a_change_re_renders_only_the_panes_that_show_its_kind_of_record(demo_store, make_app, monkeypatch):
    """The retro board and the area map hear of every change and re-render only for the records
    they show: new feedback leaves the board as it is, shown or not; a retro change leaves the
    map as it is when it is shown again; each re-renders once for its own records."""
    from prodops_tui.core.model import Retro
    from prodops_tui.core.retro import board
    from prodops_tui.ui.panes.areas import AreasPane
    from prodops_tui.ui.panes.retro import RetroPane

    renders: list[str] = []
    for pane_type in (AreasPane, RetroPane):
        real = pane_type.refresh_view
        monkeypatch.setattr(pane_type, "refresh_view", lambda self, real=real: (renders.append(type(self).__name__), real(self))[1])
    retro_id = next(r.id for r in demo_store.all(Retro) if r.phase != "closed")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "3")  # both rendered once; the retro board is shown
        await pilot.pause()
        renders.clear()
        inbox.capture(demo_store, "Written elsewhere", origin="app")  # a feedback item: not the board's
        await pilot.pause()
        assert renders == []
        board.add_participant(demo_store, retro_id, "Priya", origin="app")  # the board's own record
        await pilot.pause()
        assert renders == ["RetroPane"]  # and the hidden map, which shows no retro, is not behind
        await pilot.press("2")
        await pilot.pause()
        assert renders == ["RetroPane", "AreasPane"]  # behind since the feedback item: it counts them
        await pilot.press("3")
        board.add_participant(demo_store, retro_id, "Tomás", origin="app")
        await pilot.pause()
        renders.clear()
        await pilot.press("2")
        await pilot.pause()
        assert renders == []  # only a retro changed since it was last shown


async def test_the_inbox_re_renders_for_feedback_areas_opportunities_and_views_and_no_other_record(demo_store, make_app, monkeypatch):
    """The inbox shows feedback, the path of each item's area, the title of its opportunity and
    the saved views as tabs: a change to any of these re-renders it (an area renamed or a view
    saved elsewhere is shown at once); a retro or a checklist run changed leaves it as it is."""
    from prodops_tui.core.areas import ownership
    from prodops_tui.core.feedback import opportunities
    from prodops_tui.core.feedback.filters import save_view
    from prodops_tui.core.model import ChecklistTemplate, Opportunity, Retro
    from prodops_tui.core.retro import board
    from prodops_tui.core.rituals import checklists

    renders: list[str] = []
    real = InboxPane.refresh_view
    monkeypatch.setattr(InboxPane, "refresh_view", lambda self, **how: (renders.append("InboxPane"), real(self, **how))[1])
    retro_id = next(r.id for r in demo_store.all(Retro) if r.phase != "closed")
    checklist_id = next(c.id for c in demo_store.all(ChecklistTemplate))
    opportunity_id = next(o.id for o in demo_store.all(Opportunity) if o.status != "shipped")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        listing = app.query_one(FeedbackList)
        listing.cursor = next(n for n, item in enumerate(listing.items) if item.area)
        area_id = listing.items[listing.cursor].area
        await pilot.pause()
        renders.clear()
        board.add_participant(demo_store, retro_id, "Priya", origin="app")
        checklists.start_run(demo_store, checklist_id, origin="app")
        await pilot.pause()
        assert renders == []  # neither is shown in the inbox
        ownership.rename_area(demo_store, area_id, "Renamed", origin="app")
        await pilot.pause()
        assert renders == ["InboxPane"]
        assert "Renamed" in detail_text(app)  # the item shown is in that area
        save_view(demo_store, "Saved elsewhere", "importance:high", origin="app")
        await pilot.pause()
        assert renders == ["InboxPane"] * 2
        find_on_screen(app, "Saved elsewhere")  # a tab of its own
        opportunities.set_status(demo_store, opportunity_id, "shipped", origin="app")
        await pilot.pause()
        assert renders == ["InboxPane"] * 3
        inbox.capture(demo_store, "Written elsewhere", origin="app")
        await pilot.pause()
        assert renders == ["InboxPane"] * 4


@pytest.fixture
def nobody_named(monkeypatch):
    """No name from the environment, settings or git: the app asks, offering the login "root"."""
    from prodops_tui.core import identity

    monkeypatch.delenv("PRODOPS_USER")
    monkeypatch.setattr(identity, "git_user_name", lambda timeout=0.5: "")
    monkeypatch.setattr(identity, "login_name", lambda: "root")


async def test_the_first_start_without_a_name_asks_once_and_signs_with_it(store, make_app, nobody_named):
    from prodops_tui.ui.screens.pickers import TextScreen

    from .conftest import Typed, press

    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TextScreen) and app.screen.value == "root"
        await press(pilot, "end", "backspace", "backspace", "backspace", "backspace", Typed("Ana Souza"), "enter")
        await pilot.pause()
        assert store.actor == "Ana Souza" and app.sub_title.endswith("as Ana Souza")
    again = make_app(store)
    async with again.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert not isinstance(again.screen, TextScreen) and store.actor == "Ana Souza"  # the settings remember


async def test_a_name_of_sixty_characters_with_brackets_is_not_taken_and_asked_again(store, make_app, nobody_named):
    """Issue 31, item 13: the name prompt stored "live retroAlice, Bob]nAlice card: …" as a name."""
    from prodops_tui.ui.screens.pickers import TextScreen

    from .conftest import Typed, press

    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await press(pilot, "end", *["backspace"] * 4, Typed("live retroAlice, Bob]nAlice card: keep the triage habit going"), "enter")
        await pilot.pause()
        assert store.actor != "live retroAlice, Bob]nAlice card: keep the triage habit going"
        assert isinstance(app.screen, TextScreen)  # asked again, with why
        await press(pilot, "end", *["backspace"] * 70, Typed("  Alice  "), "enter")
        await pilot.pause()
        assert store.actor == "Alice" and not isinstance(app.screen, TextScreen)


def test_the_feedback_text_keeps_its_share_of_a_narrow_list():
    from prodops_tui.ui.widgets.feedback_list import visible_columns

    for width in (30, 47, 60, 75, 90, 120):
        used = sum(w for _, _, w in visible_columns(width))
        assert width - used >= 0.4 * width, width
    assert [key for key, _, _ in visible_columns(47)] == ["mark", "id", "customer"]  # the customer narrowed, not the text


async def test_at_80x24_the_help_stacks_and_scrolls_and_the_footer_is_compact(demo_store, make_app):
    from textual.containers import VerticalScroll
    from textual.widgets import Footer

    from prodops_tui.ui.screens.help import HelpScreen

    app = make_app(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(Footer).compact
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-box", VerticalScroll)
        assert box.has_class("-narrow") and box.max_scroll_y > 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert box.scroll_y == 2
        await pilot.press("pagedown")
        await pilot.pause()
        assert box.scroll_y > 2


async def test_the_footer_is_rebuilt_once_for_binding_changes_that_land_together_and_follows_the_pane(demo_store, make_app):
    """Textual's footer rebuilt every key on each change of the bindings: seven times before the
    first frame. Changes before the next refresh now share one rebuild, and it still shows the
    keys of what has focus."""
    from textual.widgets._footer import FooterKey

    from prodops_tui.ui.widgets.footer import KeyFooter

    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        before = footer.rebuilds
        for _ in range(5):
            app.screen.bindings_updated_signal.publish(app.screen)
        await pilot.pause()
        await pilot.pause()
        assert footer.rebuilds == before + 1
        inbox_keys = set(footer.query(FooterKey))
        await pilot.press("2")
        await pilot.pause()
        descriptions = {key.description for key in footer.query(FooterKey)}
        assert "Who owns?" in descriptions and "Archive" not in descriptions  # the Areas pane's keys, not the inbox's
        # Shown by the same key widgets, updated in place: mounting 30 new ones was half of a pane switch.
        assert len(inbox_keys & set(footer.query(FooterKey))) >= min(len(inbox_keys), len(descriptions)) - 1


async def test_long_ids_are_shown_whole_in_the_list(demo_store, make_app):
    """At 100,000 items the id column showed F-810… for F-81043: it widens to the longest id."""
    from prodops_tui.core.model import FeedbackItem
    from prodops_tui.ui.widgets.feedback_list import FeedbackList

    with demo_store.change("an item of a big workspace", origin="test", history=False) as tx:
        tx.put(FeedbackItem(id="F-123456", text="An item of a big workspace", customer="Acme", status="new",
                            received_at=demo_store.clock(), created_at=demo_store.clock()))
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        listing = app.query_one(FeedbackList)
        assert listing.current.id == "F-123456"
        assert "F-123456 " in listing.render_line(1).text  # the first row, below the header


def test_every_style_is_in_the_tcss_beside_its_module_and_the_app_reads_them_all():
    """One convention for styles: a module's styles are in the .tcss file named like it, beside
    it, and the app reads every one at start; no module keeps styles of its own (DEFAULT_CSS,
    CSS, CSS_PATH), where they would be found by no one looking in the .tcss files."""
    import re
    from pathlib import Path

    from prodops_tui.ui import app as app_module

    ui = Path(app_module.__file__).parent
    sheets = sorted(ui.rglob("*.tcss"))
    assert sorted(map(Path, ProdopsApp.CSS_PATH)) == sheets
    assert [sheet.name for sheet in sheets if not sheet.with_suffix(".py").is_file()] == []
    own_styles = re.compile(r"^\s+(DEFAULT_CSS|CSS|CSS_PATH)\s*[:=]", re.MULTILINE)
    keeping = [str(module.relative_to(ui)) for module in ui.rglob("*.py")
               if module != Path(app_module.__file__) and own_styles.search(module.read_text(encoding="utf-8"))]
    assert keeping == []
