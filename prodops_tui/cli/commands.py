"""The table of commands: each command's name, the function that runs it, and what dispatch
does around it; and the command groups, in the order `--help` lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import app, areas, build, feedback, history, metrics, push, rituals, roadmap, search, sync, transfer, workspace

# Each group module adds its subcommands to the parser (add_parsers) and holds their functions.
GROUPS = (feedback, transfer, sync, push, roadmap, search, areas, build, history, rituals, metrics, workspace, app)


@dataclass(frozen=True)
class Command:
    run: Callable[..., int]
    # Most commands get the workspace opened for them: run(store, args). A command that must not
    # have it opened gets run(args): doctor reads a workspace that may not open, keys reads none,
    # serve checks it once and hands its folder to each browser tab.
    opens_store: bool = True
    # After a change the fold, when due, runs in the background; compact is the fold itself.
    folds_after: bool = True


COMMANDS: dict[str, Command] = {
    "capture": Command(feedback.cmd_capture),
    "update": Command(feedback.cmd_update),
    "list": Command(feedback.cmd_list),
    "import": Command(transfer.cmd_import),
    "export": Command(transfer.cmd_export),
    "sync": Command(sync.cmd_sync),
    "push": Command(push.cmd_push),
    "link": Command(roadmap.cmd_link),
    "unlink": Command(roadmap.cmd_unlink),
    "told": Command(roadmap.cmd_told),
    "search": Command(search.cmd_search),
    "duplicates": Command(search.cmd_duplicates),
    "similar": Command(search.cmd_similar),
    "who": Command(areas.cmd_who),
    "suggest": Command(areas.cmd_suggest),
    "area": Command(build.cmd_area),
    "person": Command(build.cmd_person),
    "opportunity": Command(build.cmd_opportunity),
    "retro": Command(build.cmd_retro),
    "checklist": Command(build.cmd_checklist),
    "history": Command(history.cmd_history),
    "nudges": Command(rituals.cmd_nudges),
    "report": Command(metrics.cmd_report),
    "demo": Command(workspace.cmd_demo),
    "compact": Command(workspace.cmd_compact, folds_after=False),
    "doctor": Command(workspace.cmd_doctor, opens_store=False),
    "serve": Command(app.cmd_serve, opens_store=False),
    "keys": Command(app.cmd_keys, opens_store=False),
}
