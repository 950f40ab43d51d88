"""The settings file: typed keys, a hand-edited value of the wrong type read as unset, other
keys and an unreadable file survive or are replaced as the docstrings say."""

import json

import pytest

from prodops_tui.core.workspace import Settings


def write(settings: Settings, data: object) -> None:
    settings.path.parent.mkdir(parents=True, exist_ok=True)
    settings.path.write_text(json.dumps(data), encoding="utf-8")


def test_a_value_of_the_wrong_type_is_read_as_unset(tmp_path):
    settings = Settings(tmp_path)
    write(settings, {"theme": 5, "keymap": ["j"], "name": {"first": "Ana"}, "name_asked": "yes"})
    assert settings.get("theme") is None
    assert settings.get("theme", "prodops-dark") == "prodops-dark"
    assert settings.get("keymap") is None
    assert settings.get("name") is None
    assert settings.get("name_asked") is None


def test_values_of_the_right_type_are_read(tmp_path):
    settings = Settings(tmp_path)
    write(settings, {"theme": "nord", "keymap": {"inbox.down": "n"}, "name": "Ana", "name_asked": True})
    assert settings.get("theme") == "nord"
    assert settings.get("keymap") == {"inbox.down": "n"}
    assert settings.get("name") == "Ana"
    assert settings.get("name_asked") is True


def test_setting_keeps_the_keys_it_does_not_know(tmp_path):
    settings = Settings(tmp_path)
    write(settings, {"from_a_newer_version": [1, 2]})
    settings.set("theme", "nord")
    assert json.loads(settings.path.read_text(encoding="utf-8")) == {"from_a_newer_version": [1, 2], "theme": "nord"}


def test_a_value_of_the_wrong_type_or_an_unknown_key_is_refused_and_nothing_is_written(tmp_path):
    settings = Settings(tmp_path)
    settings.set("name", "Ana")
    before = settings.path.read_bytes()
    with pytest.raises(TypeError, match="'theme' takes a str"):
        settings.set("theme", True)
    with pytest.raises(KeyError, match="no setting 'colour'"):
        settings.set("colour", "red")  # type: ignore[arg-type]  # what the checker refuses, refused at run time too
    with pytest.raises(KeyError):
        settings.get("colour")  # type: ignore[call-overload]
    assert settings.path.read_bytes() == before


def test_an_unreadable_file_reads_as_defaults_and_is_replaced_on_the_next_set(tmp_path):
    settings = Settings(tmp_path)
    settings.path.parent.mkdir(parents=True, exist_ok=True)
    settings.path.write_text("{not json", encoding="utf-8")
    assert settings.get("theme", "prodops-dark") == "prodops-dark"
    settings.set("theme", "nord")
    assert settings.get("theme") == "nord"
