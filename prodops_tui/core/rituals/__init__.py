"""Recurring rituals: checklists with their recurrences and runs, and the nudges computed from the data."""
