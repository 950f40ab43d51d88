"""A team at one workspace under `prodops serve`: who may sign in, with which role, and what a
role may change. No web server and no Textual here: the server (serve.py) and the command line
(`prodops serve invite|people|revoke`) share it."""

# What one server allows by default (`prodops serve --max-tabs`, `--max-tabs-per-person`,
# `--idle-minutes`): each tab is an app process of its own (about 60 MB on a small workspace).
MAX_TABS = 20
MAX_TABS_PER_PERSON = 4
IDLE_MINUTES = 60.0
