"""`prodops serve` with sign-in, run for real on 127.0.0.1 (tests/support_serve.py: every wait
bounded, the server killed if Ctrl+C does not stop it): people invited by name sign in once
with their link, act as themselves with their role, and are shut out when revoked; a cookie the
server did not issue opens nothing; each person's theme is theirs; the tab caps hold."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess

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


def test_two_peoples_themes_stay_apart_and_the_servers_settings_are_untouched(team_workspace, tmp_path):
    server_settings = tmp_path / "config" / "settings.json"
    server_settings.parent.mkdir(parents=True, exist_ok=True)
    server_settings.write_text('{"theme": "prodops-dark"}')

    async def scenario(served):
        ana, bo = Browser(served), Browser(served)
        try:
            assert (await ana.sign_in(served.invite("Ana Souza")))[0] == 303
            assert (await bo.sign_in(served.invite("Bo Chen")))[0] == 303
            tab = await ana.open_tab()
            await pick_theme(tab, served, "Ana Souza", "prodops-paper")
            await tab.close()
            other = await bo.open_tab()
            await other.close()
        finally:
            await ana.close()
            await bo.close()

    with running_server(team_workspace, tmp_path) as served:
        asyncio.run(scenario(served))
    assert theme_of(served, "Bo Chen") is None  # Bo's settings: his own, nothing of Ana's
    assert json.loads(server_settings.read_text()) == {"theme": "prodops-dark"}  # the server owner's: untouched


async def pick_theme(tab, served, person: str, theme: str) -> None:
    """ctrl+p, Theme, the theme's name, enter: as a person picks one. The picker searches as
    it is typed into, in the background: an enter that came first picked another, so pick again."""
    for _ in range(3):
        mark = tab.mark()
        await tab.press("\x10")  # ctrl+p: the palette
        await drew(tab, mark, "Search for commands")
        await tab.press("Theme")
        await drew(tab, mark, "Change the current theme")
        await asyncio.sleep(1)
        await tab.press("\r")
        await drew(tab, mark, "Search for themes")
        await tab.press(theme)
        await asyncio.sleep(2)
        await tab.press("\r")
        try:
            await wait_for(lambda: theme_of(served, person) == theme, f"{person}'s theme to be kept", timeout=10)
            return
        except AssertionError:
            await tab.press("\x1b")  # a picker still open: closed
            await asyncio.sleep(1)
    raise AssertionError(f"{theme} was not kept as {person}'s theme after three picks")


async def drew(tab, since: int, words: str) -> None:
    await wait_for(lambda: words in squeezed_spaces(tab.text(since)), repr(words))


def squeezed_spaces(text: str) -> str:
    return " ".join(text.split())


def theme_of(served, person: str) -> str | None:
    from prodops_tui.core.team.people import person_key

    path = served.workspace / ".serve" / "settings" / person_key(person) / "settings.json"
    try:
        return json.loads(path.read_text()).get("theme")
    except (OSError, ValueError):
        return None


def test_an_idle_tab_is_closed_and_its_process_ends(team_workspace, tmp_path):
    async def scenario(served):
        browser = Browser(served)
        try:
            assert (await browser.sign_in(served.invite("Ana Souza")))[0] == 303
            tab = await browser.open_tab()
            pid = await tab_pid(served, "Ana Souza")
            await wait_for(lambda: tab.closed, "the idle tab to close")
            await wait_for(lambda: not alive(pid), "its app process to end")
        finally:
            await browser.close()

    with running_server(team_workspace, tmp_path, "--idle-minutes", "0.05") as served:
        asyncio.run(scenario(served))
    assert "closed a tab of Ana Souza: closed after 0.05 min without use" in served.said()


def test_status_says_who_is_online_and_the_memory_the_tabs_use(team_workspace, tmp_path, prodops):
    assert prodops("serve", "--status").stdout.startswith("prodops serve is not running on ")

    async def scenario(served):
        browser = Browser(served)
        try:
            assert (await browser.sign_in(served.invite("Ana Souza")))[0] == 303
            tab = await browser.open_tab()
            await tab_pid(served, "Ana Souza")
            await wait_for(lambda: all(t.get("rss_bytes") for t in status(served).get("tabs", [])), "the tab's memory")
            said = await asyncio.to_thread(served.cli, "serve", "--status")
            await tab.close()
            return said.stdout
        finally:
            await browser.close()

    with running_server(team_workspace, tmp_path) as served:
        said = asyncio.run(scenario(served))
    assert f"prodops serve on http://127.0.0.1:{served.port}" in said
    assert "people online: Ana Souza (1 tab)" in said
    assert "tabs: 1 of 20" in said and " in 1 tab, " in said and "MB each" in said
    assert prodops("serve", "--status").stdout.startswith("prodops serve is not running on ")  # stopped: said so


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the test makes its certificate with the openssl command")
def test_over_tls_the_session_cookie_is_secure_and_the_tab_works(team_workspace, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                           "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr

    async def scenario(served):
        browser = Browser(served, cafile=str(cert))
        try:
            token = served.invite("Ana Souza")
            status_code, _, page = await browser.get("/")
            assert status_code == 401
            status_code, headers = await browser.sign_in(token)
            assert status_code == 303 and "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
            status_code, _, page = await browser.get("/")
            assert status_code == 200 and f'data-session-websocket-url="wss://127.0.0.1:{served.port}/ws"' in page
            tab = await browser.open_tab()
            assert "as Ana Souza" in tab.text()
            await tab.close()
        finally:
            await browser.close()

    with running_server(team_workspace, tmp_path, "--certfile", str(cert), "--keyfile", str(key), scheme="https") as served:
        asyncio.run(scenario(served))
    assert f"on https://127.0.0.1:{served.port}" in served.said()


def test_behind_a_proxy_on_this_machine_its_forwarded_scheme_and_name_are_used(team_workspace, tmp_path, prodops):
    token = prodops("serve", "invite", "Ana Souza", "--url", "https://prodops.example.com").stdout.strip()
    assert token.startswith("https://prodops.example.com/signin?token=")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "prodops.example.com", "X-Forwarded-For": "203.0.113.9"}

    async def scenario(served):
        browser = Browser(served)
        try:
            # A sign-in posted from another site's page is refused; from the proxy's own name it is not.
            async with browser.session.post(served.url + "/signin", data={"token": token.rsplit("=", 1)[1]},
                                            headers={**forwarded, "Origin": "https://evil.example"}, allow_redirects=False) as refused:
                assert refused.status == 403
            async with browser.session.post(served.url + "/signin", data={"token": token.rsplit("=", 1)[1]},
                                            headers={**forwarded, "Origin": "https://prodops.example.com"},
                                            allow_redirects=False) as signed:
                assert signed.status == 303
                assert "Secure" in signed.headers["Set-Cookie"]  # https at the proxy: the cookie says so
            browser.session.cookie_jar.update_cookies({"prodops_session": signed.cookies["prodops_session"].value})
            status_code, _, page = await browser.get("/", headers=forwarded)
            assert status_code == 200 and 'data-session-websocket-url="wss://prodops.example.com/ws"' in page
        finally:
            await browser.close()

    with running_server(team_workspace, tmp_path, "--behind-proxy") as served:
        asyncio.run(scenario(served))
        hinted = served.cli("serve", "invite", "Bo Chen")  # the server's own address is not the one people open
    assert "Ana Souza signed in (member) from 203.0.113.9" in served.said()
    assert "give --url with the address people open (the proxy's)" in hinted.stderr
