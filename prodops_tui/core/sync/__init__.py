"""Keeping a tracker's issues current in the workspace (`prodops sync github OWNER/REPO`).

http.py fetches one URL with the standard library; github.py reads a repository's issues page by
page (Link paging, since, ETags, rate limits, one-line errors that never hold the token);
apply.py turns a page into one stored change that adds new issues and updates the upstream
fields of those already held, never the PM's triage; state.py keeps where each source stands
(a SyncState record, stored in the same change as the page it accounts for) and tells the inbox
when each source last synced; run.py is one sync from start to summary.
"""
