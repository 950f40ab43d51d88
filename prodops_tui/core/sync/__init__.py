"""Keeping a tracker's issues current in the workspace (`prodops sync github OWNER/REPO`,
`sync gitlab GROUP/PROJECT`, `sync jira KEY --jql Q`).

http.py fetches one URL with the standard library; client.py is what every tracker's reader
shares (asking a page, rate limits, one-line errors that never hold the token); github.py,
gitlab.py and jira.py are the trackers (where the issues are, how pages follow, how a record
becomes feedback through the importers' converters); apply.py turns a page into one stored
change that adds new issues and updates the upstream fields of those already held, never the
PM's triage; state.py keeps where each source stands (a SyncState record, stored in the same
change as the page it accounts for) and tells the inbox when each source last synced; run.py is
one sync from start to summary, one loop for every tracker.
"""
