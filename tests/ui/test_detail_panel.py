"""The inbox's detail panel: a key is a frame (issue 29, item 4), and a long item is whole.

The panel draws its lines itself (a line-API view). Before, a text widget of automatic height
changed size with every item, and each `j` laid out the whole screen: about half of a key's
CPU at 100,000 items (bench/app_start.py's `j` figure)."""

from __future__ import annotations

from textual.visual import Visual

from prodops_tui.core.feedback import duplicates, inbox
from prodops_tui.ui.panes.inbox_choices import merge_options
from prodops_tui.ui.widgets.feedback_detail import FeedbackDetail
from prodops_tui.ui.widgets.feedback_list import FeedbackList

from .conftest import messages, settle, wait_until

LONG_LINK = "https://support.example/t/" + "".join(f"{n:03d}-" for n in range(300))  # folded, no space to break at


async def test_j_shows_each_item_without_laying_out_the_screen(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        listing, detail = app.query_one(FeedbackList), app.query_one(FeedbackDetail)
        screen = app.screen
        layouts = []
        refresh_layout = screen._refresh_layout

        def counted(*args, **kwargs):
            layouts.append(listing.cursor)
            return refresh_layout(*args, **kwargs)

        screen._refresh_layout = counted
        steady, shown = 0, []
        for _ in range(12):
            bar_before = detail.show_vertical_scrollbar
            del layouts[:]
            await pilot.press("j")
            await pilot.pause()
            shown.append(listing.current.id)
            assert listing.current.id in str(app.query_one("#detail").content)  # the panel follows the cursor
            if detail.show_vertical_scrollbar == bar_before:
                steady += 1
                assert layouts == [], f"j to {listing.current.id} laid out the screen"
        assert steady >= 6, "most items of the demo fit the panel at 160x48: the check above ran"
        assert len(set(shown)) == 12


async def test_a_long_item_is_wrapped_beside_its_scrollbar_with_no_character_cut(demo_store, make_app):
    """The scrollbar takes a column once the text is taller than the panel; the lines are
    wrapped again at the narrower width, not cut at its edge (the first version lost the last
    character of each full line: `tickets` read `tiets`)."""
    inbox.capture(demo_store, f"Export fails on big accounts, see {LONG_LINK}", customer="Acme Freight", origin="cli")
    inbox.capture(demo_store, "Short and sweet", customer="Acme Freight", origin="cli")  # newer: listed first
    app = make_app(demo_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        detail = app.query_one(FeedbackDetail)
        assert not detail.show_vertical_scrollbar  # the short item fits
        await pilot.press("j")
        await pilot.pause()
        assert LONG_LINK in str(detail.content)
        assert detail.show_vertical_scrollbar
        region = detail.scrollable_content_region
        drawn: dict[int, str] = {}  # each line of the text as the screen shows it, by its line number
        for top in range(0, detail.virtual_size.height, region.height):
            detail.scroll_to(y=top, animate=False, immediate=True)
            await pilot.pause()
            strips = app.screen._compositor.render_strips()[region.y:region.bottom]
            for row, strip in enumerate(strips):
                drawn[detail.scroll_offset.y + row] = strip.crop(region.x, region.right).text.rstrip()
        text = "".join(drawn[line] for line in sorted(drawn))
        assert LONG_LINK in text


async def test_the_mouse_selects_the_panels_text_to_copy(demo_store, make_app):
    """As in a text widget: a drag over the panel selects what it shows (ctrl+c copies it)."""
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        detail = app.query_one(FeedbackDetail)
        title = str(detail.content).splitlines()[0]
        await pilot.mouse_down(detail, offset=(2, 0))  # the border and the padding, then the title
        await pilot.hover(detail, offset=(40, 3))
        await pilot.mouse_up(detail, offset=(40, 3))
        await pilot.pause()
        selected = app.screen.get_selected_text() or ""
        assert selected.startswith(title) and "customer" in selected


async def test_a_theme_chosen_in_the_palette_recolours_the_panel_at_once(demo_store, make_app):
    """The panel keeps its lines drawn between keys; a new theme draws them again in its colours."""
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        detail = app.query_one(FeedbackDetail)

        def heading_colour() -> str:  # "Look-alikes (m merges)" is in the theme's accent
            line = next(y for y in range(detail.size.height) if "Look-alikes" in detail.render_line(y).text)
            return next(str(segment.style.color) for segment in detail.render_line(line) if "Look-alikes" in segment.text)

        dark = heading_colour()
        app.theme = "prodops-light"
        await pilot.pause()
        light = heading_colour()
        assert light != dark
        assert light == heading_colour_drawn_afresh(app)


def heading_colour_drawn_afresh(app) -> str:
    detail = app.query_one(FeedbackDetail)
    for strip in Visual.to_strips(detail, detail.content, detail.size.width, None, detail.visual_style):
        for segment in strip:
            if "Look-alikes" in segment.text:
                return str(segment.style.color)
    raise AssertionError("no look-alikes heading")


async def test_with_too_little_memory_free_the_panel_says_look_alikes_are_off_and_a_change_tries_again(
        demo_store, make_app, monkeypatch):
    monkeypatch.setattr(duplicates, "available_memory", lambda: 500_000)  # 0.5 MB free: the demo's 400 items need 1.2
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        detail = app.query_one(FeedbackDetail)
        assert "look-alikes are off: indexing 400 items needs about 1.2 MB of memory and 0.5 MB is free" in str(detail.content)
        assert "Looking for similar items" not in str(detail.content)
        assert [m for m in messages(app) if m.startswith("look-alikes are off")]
        await pilot.press("]")  # Likely duplicates: none listed, and why
        await settle(pilot)
        assert "look-alikes are off" in str(detail.content)

        monkeypatch.undo()  # memory freed; the next change scans again
        await pilot.press("[", "p")
        assert await wait_until(pilot, lambda: "Look-alikes (m merges)" in str(detail.content) or "No look-alikes." in str(detail.content))


def test_a_look_alike_numbered_past_9999_keeps_a_space_before_its_title(demo_store):
    """At 100,000 items the detail read "82% F-12071it changes spelling…": ids were padded to
    seven characters, with no space after, in the panel and in the merge choices."""
    hits = [duplicates.SimilarItem("F-12071", 82.0, "it changes spelling"), duplicates.SimilarItem("F-359", 42.0, "Best AI app ever")]
    shown = FeedbackDetail._similar(hits).plain
    assert "F-12071 it changes spelling" in shown and "F-359  Best AI app ever" in shown, shown
    offered = [content.plain for _, content in merge_options(demo_store, hits, (), "")]
    assert offered[0].startswith(" 82% F-12071 it changes") and offered[1].startswith(" 42% F-359  Best AI"), offered
