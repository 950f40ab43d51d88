"""The people of a workspace's server (core/team/people.py): an invite signs one browser in,
once; only hashes are kept, in a file only its owner reads; a revoked person's sessions end;
a name is one line of sensible length (issue 31, item 13)."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest

from prodops_tui.core.dates import utc_now
from prodops_tui.core.errors import InvalidInput, NotFound
from prodops_tui.core.team.people import INVITE_DAYS, SESSION_DAYS, Team, is_ours, server_secret, signed_browser_token


@pytest.fixture
def team(workspace) -> Team:
    return Team(workspace)


def test_an_invite_signs_one_browser_in_once_as_that_person_with_their_role(team):
    assert not team.anyone()
    person, invite = team.invite("  Ana   Souza ", "facilitator")
    assert (person.name, person.role, person.open_invites) == ("Ana Souza", "facilitator", 1)
    assert team.anyone()
    signed = team.sign_in(invite)
    assert signed is not None
    session, cookie = signed
    assert session.person.name == "Ana Souza" and session.person.role == "facilitator"
    assert team.sign_in(invite) is None  # used
    found = team.session(cookie)
    assert found is not None and found.person.name == "Ana Souza" and found.id == session.id
    assert team.session(cookie[:-1] + ("A" if cookie[-1] != "A" else "B")) is None  # not one it issued
    assert team.session("") is None
    [listed] = team.people()
    assert (listed.sessions, listed.open_invites) == (1, 0) and listed.last_seen


def test_only_hashes_are_kept_in_a_file_only_its_owner_reads(team):
    _, invite = team.invite("Ana")
    _, cookie = team.sign_in(invite) or (None, "")
    text = team.path.read_text()
    assert invite not in text and cookie not in text
    assert "Ana" in text
    assert stat.S_IMODE(os.stat(team.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(team.folder).st_mode) == 0o700


def test_invites_and_sessions_expire(team):
    now = utc_now()
    _, old_invite = team.invite("Ana", now=now - timedelta(days=INVITE_DAYS + 1))
    assert team.sign_in(old_invite) is None
    _, invite = team.invite("Ana")
    _, cookie = team.sign_in(invite, now=now - timedelta(days=SESSION_DAYS + 1)) or (None, "")
    assert team.session(cookie) is None


def test_revoking_ends_every_session_and_open_invite_of_that_person_only(team):
    _, first = team.invite("Ana")
    _, second = team.invite("ana")  # the same person, whatever the case: a second link
    cookies = [team.sign_in(first)[1], team.sign_in(second)[1]]  # type: ignore[index]
    _, bo_invite = team.invite("Bo")
    bo_cookie = team.sign_in(bo_invite)[1]  # type: ignore[index]
    _, waiting = team.invite("Ana")
    person, ended = team.revoke("ANA")
    assert (person.name, ended) == ("Ana", 2)
    assert all(team.session(c) is None for c in cookies)
    assert team.sign_in(waiting) is None  # the open invite went too
    assert team.session(bo_cookie) is not None
    assert [(p.name, p.sessions) for p in team.people()] == [("Ana", 0), ("Bo", 1)]  # still listed, signed out
    assert team.live_sessions() == {team.session(bo_cookie).id}  # type: ignore[union-attr]
    with pytest.raises(NotFound, match="nobody called 'Cy' was invited"):
        team.revoke("Cy")


@pytest.mark.parametrize(("name", "why"), [
    ("", "a name cannot be empty"),
    ("   ", "a name cannot be empty"),
    ("live retroAlice, Bob]nAlice card: the board froze twice", "a name is at most 40 characters (this one has 55)"),
    ("Alice\nBob", "a name is one line"),
])
def test_a_name_is_one_line_of_sensible_length(team, name, why):
    with pytest.raises(InvalidInput) as refused:
        team.invite(name)
    assert str(refused.value) == why
    assert not team.anyone()


def test_a_role_is_one_of_three(team):
    with pytest.raises(InvalidInput, match="no role 'admin'; the roles are member, facilitator, viewer"):
        team.invite("Ana", "admin")


def test_a_damaged_people_file_is_one_line(team):
    team.folder.mkdir(parents=True)
    team.path.write_text("{not json")
    with pytest.raises(InvalidInput, match=r"people\.json cannot be read"):
        team.people()


def test_a_browser_token_is_one_this_server_signed(workspace):
    secret = server_secret(workspace)
    assert server_secret(workspace) == secret  # kept
    assert stat.S_IMODE(os.stat(workspace / ".serve" / "secret").st_mode) == 0o600
    token = signed_browser_token(secret)
    assert is_ours(secret, token)
    assert not is_ours(secret, "a" * 44)
    assert not is_ours(server_secret(workspace.parent / "other"), token)
    assert json.dumps(token).strip('"') == token  # safe in a cookie
