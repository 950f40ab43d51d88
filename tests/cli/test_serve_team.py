"""`prodops serve` with sign-in, run for real on 127.0.0.1 (tests/support_serve.py: every wait
bounded, the server killed if Ctrl+C does not stop it): people invited by name sign in once
with their link, act as themselves with their role, and are shut out when revoked; a cookie the
server did not issue opens nothing; each person's theme is theirs; the tab caps hold."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from ..support_serve import Browser, alive, running_server, status, wait_for

pytest.importorskip("textual_serve")


@pytest.fixture
def team_workspace(prodops, cli_env):
    """The demo organisation, so a tab has items to triage."""
    assert prodops("demo").returncode == 0
    return cli_env


def processed_by(prodops) -> dict[str, str]:
    listed = json.loads(prodops("list", "feedback", "--status", "processed", "--json").stdout)
    return {item["id"]: item["triaged_by"] for item in listed}


def test_an_invited_person_signs_in_once_and_their_changes_are_signed_with_their_name(team_workspace, tmp_path, prodops):
    before = processed_by(prodops)

    async def scenario(served):
        token = served.invite("Ana Souza")
        browser = Browser(served)
        try:
            assert (await browser.get("/"))[0] == 401  # no session: nothing but the sign-in page
            assert (await browser.get("/static/js/textual.js"))[0] == 401
            status, headers = await browser.sign_in(token)
            assert status == 303
            cookie = headers["Set-Cookie"]
            assert "prodops_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
            assert "Secure" not in cookie  # plain HTTP on loopback
            assert (await browser.get("/"))[0] == 200
            again = Browser(served)
            try:
                assert (await again.sign_in(token))[0] == 403  # the link works once
            finally:
                await again.close()
            tab = await browser.open_tab()
            assert "Your name" not in tab.text()  # signed in: nobody is asked
            await tab.press("p")  # the highlighted item: processed
            await wait_for(lambda: len(processed_by(prodops)) > len(before), "the change to reach the workspace")
            await tab.close()
        finally:
            await browser.close()

    with running_server(team_workspace, tmp_path) as served:
        asyncio.run(scenario(served))
        people = served.cli("serve", "people").stdout
    after = processed_by(prodops)
    assert {after[i] for i in after.keys() - before.keys()} == {"Ana Souza"}
    assert "Ana Souza" in people and "member" in people and "1 session" in people
    stored = (served.workspace / ".serve" / "people.json").read_text()
    assert "Ana Souza" in stored and "token=" not in stored


def test_a_cookie_the_server_did_not_issue_is_refused_and_bad_tokens_are_slowed(team_workspace, tmp_path):
    async def scenario(served):
        served.invite("Ana Souza")
        browser = Browser(served)
        try:
            browser.session.cookie_jar.update_cookies({"prodops_session": "a" * 43})
            status, headers, _ = await browser.get("/")
            assert status == 401 and "prodops_session=" in headers.get("Set-Cookie", "")  # and it is cleared
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:  # the forged cookie again: 2 bad tokens
                await browser.open_tab()
            assert refused.value.status == 401
            for _ in range(2):
                assert (await browser.sign_in("not-a-token"))[0] == 403
            status, headers = await browser.sign_in("still-not-one")
            assert status == 403
            status, headers = await browser.sign_in("and-again")
            assert status == 429 and int(headers["Retry-After"]) > 0  # slowed: this address waits
        finally:
            await browser.close()

    with running_server(team_workspace, tmp_path) as served:
        asyncio.run(scenario(served))
    said = served.said()
    assert "refused a session cookie this server did not issue" in said and "from 127.0.0.1" in said
    assert "locked out" in said


def test_a_revoked_persons_open_tab_is_closed_and_their_cookie_opens_nothing(team_workspace, tmp_path):
    async def scenario(served):
        browser = Browser(served)
        try:
            assert (await browser.sign_in(served.invite("Bo Chen")))[0] == 303
            tab = await browser.open_tab()
            pid = await tab_pid(served, "Bo Chen")
            done = await asyncio.to_thread(served.cli, "serve", "revoke", "Bo Chen")
            assert done.returncode == 0 and "1 session ended" in done.stdout
            await wait_for(lambda: tab.closed, "the revoked person's tab to close")
            await wait_for(lambda: not alive(pid), "the tab's app process to end")
            assert (await browser.get("/"))[0] == 401
        finally:
            await browser.close()

    with running_server(team_workspace, tmp_path) as served:
        asyncio.run(scenario(served))
    assert "closed a tab of Bo Chen: signed out" in served.said()


def squeezed(text: str) -> str:
    """The tab's text without spaces or line ends: a toast's words, however it wrapped them."""
    return "".join(text.split())


async def tab_pid(served, person: str) -> int:
    def found() -> int | None:
        return next((t["pid"] for t in status(served).get("tabs", []) if t.get("person") == person and t.get("pid")), None)

    await wait_for(lambda: found() is not None, f"{person}'s tab in the status file")
    pid = found()
    assert pid is not None
    return pid


def test_a_viewers_key_is_refused_in_one_line_and_the_tab_goes_on(team_workspace, tmp_path, prodops):
    before = processed_by(prodops)

    async def scenario(served):
        browser = Browser(served)
        try:
            assert (await browser.sign_in(served.invite("Vi Ewer", "viewer")))[0] == 303
            tab = await browser.open_tab()
            pid = await tab_pid(served, "Vi Ewer")
            await tab.press("p")
            await wait_for(lambda: "signedinasaviewer" in squeezed(tab.text()), "the one-line refusal")
            await asyncio.sleep(1)
            assert not tab.closed and alive(pid)  # a toast, not a crash
            await tab.close()
        finally:
            await browser.close()

    with running_server(team_workspace, tmp_path) as served:
        asyncio.run(scenario(served))
    assert processed_by(prodops) == before


def test_the_tab_cap_is_reached_with_a_clear_page_and_released_when_a_tab_closes(team_workspace, tmp_path):
    async def scenario(served):
        browser = Browser(served)
        try:
            assert (await browser.sign_in(served.invite("Ana Souza")))[0] == 303
            first = await browser.open_tab()
            status_code, _, page = await browser.get("/")
            assert status_code == 503 and "You have 1 prodops tabs open" in page and "--max-tabs-per-person 1" in page
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await browser.open_tab()
            assert refused.value.status == 503
            pid = await tab_pid(served, "Ana Souza")
            await first.close()
            await wait_for(lambda: not alive(pid), "the closed tab's app process to end")
            await wait_for(lambda: not status(served).get("tabs"), "the server to forget the closed tab")
            second = await browser.open_tab()
            assert not second.closed
            await second.close()
        finally:
            await browser.close()

    with running_server(team_workspace, tmp_path, "--max-tabs-per-person", "1") as served:
        asyncio.run(scenario(served))
