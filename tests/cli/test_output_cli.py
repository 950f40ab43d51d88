"""Where output goes, the same for every command that writes a document (prodops_tui/cli/output.py):
the format is --format, else the `-o` file's suffix (.csv, .json, .md or .markdown), else the
command's default; a suffix the command cannot write is wrong usage (exit 2) in one line naming
the suffixes that work, and no file is made."""

from __future__ import annotations

import pytest

# Each command that takes -o, and the formats it writes (the first is its default).
WRITERS = {
    ("export", "feedback"): ("csv", "json", "md"),
    ("export", "areas"): ("csv", "json", "md"),
    ("export", "opportunities"): ("csv", "json", "md"),
    ("export", "retro", "R-1"): ("md", "json"),
    ("report", "--since", "7d"): ("md", "json"),
}
SUFFIXES = {"csv": ["csv"], "json": ["json"], "md": ["md", "markdown"]}


@pytest.fixture
def demo(prodops):
    assert prodops("demo").returncode == 0
    return prodops


@pytest.mark.parametrize("command", WRITERS, ids=" ".join)
def test_each_suffix_a_command_writes_names_the_same_format_as_format_does(demo, command, tmp_path):
    for fmt in WRITERS[command]:
        expected = demo(*command, "--format", fmt).stdout
        assert expected.strip()
        for suffix in SUFFIXES[fmt]:
            target = tmp_path / f"out.{suffix.upper() if suffix == 'md' else suffix}"  # a suffix in capitals too
            result = demo(*command, "-o", str(target))
            assert result.returncode == 0, result.stderr
            assert (result.stdout, target.read_text(encoding="utf-8")) == ("", expected), (command, suffix)


@pytest.mark.parametrize("command", WRITERS, ids=" ".join)
def test_a_file_without_a_suffix_gets_the_commands_default(demo, command, tmp_path):
    target = tmp_path / "out"
    assert demo(*command, "-o", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8") == demo(*command, "--format", WRITERS[command][0]).stdout


def test_export_takes_a_markdown_suffix_as_report_does(demo, tmp_path):
    """`report -o x.markdown` worked while `export feedback -o x.markdown` was refused."""
    target = tmp_path / "feedback.markdown"
    assert demo("export", "feedback", "-o", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8") == demo("export", "feedback", "--format", "md").stdout


@pytest.mark.parametrize(("command", "suffix"), [*((c, "weird") for c in WRITERS), (("report",), "csv"),
                                                 (("export", "retro", "R-1"), "csv")], ids=str)
def test_a_suffix_the_command_cannot_write_is_one_line_exit_2_naming_those_it_can(demo, command, suffix, tmp_path):
    target = tmp_path / f"out.{suffix}"
    result = demo(*command, "-o", str(target))
    errors = [line for line in result.stderr.splitlines() if line.startswith("prodops: error: ")]
    assert result.returncode == 2 and len(errors) == 1 and "Traceback" not in result.stderr, result
    accepted = [f".{name}" for fmt in WRITERS.get(command, ("md", "json")) for name in SUFFIXES[fmt]]
    assert all(name in errors[0] for name in accepted) and f"out.{suffix}" in errors[0], errors[0]
    assert not target.exists()


def test_format_wins_over_the_suffix(demo, tmp_path):
    target = tmp_path / "feedback.weird"
    assert demo("export", "feedback", "--format", "json", "-o", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8") == demo("export", "feedback", "--format", "json").stdout


def test_a_retro_asked_for_as_csv_is_wrong_usage(demo):
    result = demo("export", "retro", "R-1", "--format", "csv")
    assert result.returncode == 2 and "a retro exports as md or json, not 'csv'" in result.stderr
