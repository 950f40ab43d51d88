"""The `?` screen lists the query language's keywords, from the one table in core/query.py."""

from __future__ import annotations

from prodops_tui.core.query import FREE_WORDS, KEYWORDS
from prodops_tui.ui.screens.help import HelpScreen
from prodops_tui.ui.screens.search import HINT

SIZE = (120, 40)


async def test_question_mark_lists_every_query_keyword_with_its_line(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        lines = "\n".join(str(column.content) for column in app.screen.query(".help-column")).splitlines()
        for keyword in (*KEYWORDS, FREE_WORDS):
            assert any(keyword.label in line and keyword.description in line for line in lines), keyword.name


def test_the_search_box_hint_names_every_keyword():
    for keyword in KEYWORDS:
        assert keyword.label.split(":")[0] + ":" in HINT
