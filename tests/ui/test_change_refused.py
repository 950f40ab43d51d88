"""A browser tab whose store refuses changes (a viewer's under `prodops serve`; core/team/roles.py):
the keys that change the workspace say why in one line and the app goes on. The refusal is a
ProdopsError, which every change the app makes already shows as a toast (Pane.store_change, undo)."""

from __future__ import annotations

from prodops_tui.core.team.roles import VIEWER_REFUSAL, apply_role

from .conftest import messages, settle


async def test_a_viewers_change_keys_are_one_line_toasts_and_the_app_goes_on(demo_store, make_app):
    apply_role(demo_store, "viewer")
    revision = demo_store.revision
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        for key in ("p", "e", "u"):  # processed, archive, undo
            await pilot.press(key)
            await settle(pilot)
        assert messages(app).count(VIEWER_REFUSAL) == 2
        assert app.is_running and app.return_code is None
    assert demo_store.revision == revision
