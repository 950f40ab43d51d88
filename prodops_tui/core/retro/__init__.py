"""Retrospectives: templates, the board (phases, cards, groups, votes, topics), action items, export."""
