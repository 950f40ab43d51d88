"""Who acts in a browser tab of `prodops serve`: the name this browser gave, asked once per
browser; never the server's settings, git name or login, which are its owner's."""

from __future__ import annotations

import pytest

from prodops_tui.core import identity
from prodops_tui.core.identity import BROWSER_ENV, PERSON_ENV, Actor, NameMemory
from prodops_tui.core.workspace import Settings

ONE_BROWSER, ANOTHER = "a" * 32, "b" * 32


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setattr(identity, "git_user_name", lambda timeout=0.5: "Server Git Name")
    monkeypatch.setattr(identity, "login_name", lambda: "server-login")
    kept = Settings(tmp_path / "config")
    kept.set("name", "Server Owner")
    return kept


def test_a_browser_is_asked_once_and_then_known(settings):
    tab = NameMemory(settings, env={BROWSER_ENV: ONE_BROWSER})
    assert tab.resolve() == Actor("", "") and tab.should_ask(tab.resolve())
    assert tab.keep("  Ana\x1b[31m Souza ") == "this browser"
    again = NameMemory(settings, env={BROWSER_ENV: ONE_BROWSER})  # a second tab of the same browser
    assert again.resolve() == Actor("Ana[31m Souza", "browser") and not again.should_ask(again.resolve())
    other = NameMemory(settings, env={BROWSER_ENV: ANOTHER})
    assert other.resolve() == Actor("", "")  # someone else's browser: asked
    assert settings.get("name") == "Server Owner"  # the server's own settings are untouched


def test_a_browser_without_a_cookie_is_asked_in_each_tab(settings):
    tab = NameMemory(settings, env={BROWSER_ENV: ""})
    assert tab.keep("Bo Chen") == "this tab only"
    assert NameMemory(settings, env={BROWSER_ENV: ""}).resolve() == Actor("", "")


def test_a_token_that_is_not_one_of_ours_is_never_a_file_name(settings):
    tab = NameMemory(settings, env={BROWSER_ENV: "../../settings"})
    assert tab.keep("Eve") == "this tab only"
    assert not (settings.path.parent / "browsers").exists()


def test_as_still_wins_and_a_terminal_keeps_the_contracts_order(settings):
    assert NameMemory(settings, env={BROWSER_ENV: ONE_BROWSER}).resolve("Flag Name") == Actor("Flag Name", "--as")
    terminal = NameMemory(settings, env={})
    assert terminal.resolve() == Actor("Server Owner", "settings")
    terminal.keep("New Name")
    assert (settings.get("name"), settings.get("name_asked")) == ("New Name", True)


def test_a_signed_in_person_acts_and_is_never_asked(settings):
    tab = NameMemory(settings, env={BROWSER_ENV: "", PERSON_ENV: "Ana Souza"})
    assert tab.resolve() == Actor("Ana Souza", "signed in") and not tab.should_ask(tab.resolve())
    assert tab.resolve("Someone Else") == Actor("Ana Souza", "signed in")  # the server said who: nothing overrides it
    terminal = NameMemory(settings, env={PERSON_ENV: "Ana Souza"})  # not a tab of the server: the variable means nothing
    assert terminal.resolve() == Actor("Server Owner", "settings")


@pytest.mark.parametrize(("answer", "why"), [
    ("live retroAlice, Bob]nAlice card: the board froze twice", "a name is at most 40 characters (this one has 55)"),
    ("Alice\nBob", "a name is one line"),
])
def test_a_name_prompt_answer_that_is_not_a_name_is_not_kept(settings, answer, why):
    tab = NameMemory(settings, env={BROWSER_ENV: ONE_BROWSER})
    assert tab.keep(answer) == f"not kept: {why}"
    assert NameMemory(settings, env={BROWSER_ENV: ONE_BROWSER}).resolve() == Actor("", "")  # asked again next time
    terminal = NameMemory(settings, env={})
    assert terminal.keep(answer) == f"not kept: {why}"
    assert settings.get("name") == "Server Owner"
