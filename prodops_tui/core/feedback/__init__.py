"""Feedback: capture and triage (the inbox verbs), filters and saved views, duplicates, opportunities, exports."""
