"""The command groups, in the order `--help` lists them, and the commands dispatch runs."""

from __future__ import annotations

from . import app, areas, feedback, metrics, rituals, search, transfer, workspace

# Each group module adds its subcommands to the parser (add_parsers) and runs them.
GROUPS = (feedback, transfer, search, areas, rituals, metrics, workspace, app)

COMMANDS = {"duplicates": search.cmd_duplicates, "similar": search.cmd_similar, "suggest": areas.cmd_suggest, "capture": feedback.cmd_capture, "import": transfer.cmd_import, "who": areas.cmd_who, "update": feedback.cmd_update, "list": feedback.cmd_list, "export": transfer.cmd_export, "demo": workspace.cmd_demo, "nudges": rituals.cmd_nudges, "search": search.cmd_search, "compact": workspace.cmd_compact, "report": metrics.cmd_report}
