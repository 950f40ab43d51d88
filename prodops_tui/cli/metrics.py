"""The weekly product-ops report: the Metrics pane's figures as Markdown or JSON."""

from __future__ import annotations

import argparse

from ..core.dates import from_iso
from ..core.storage.store import Store
from .output import output_format, write_output
from .usage import UsageError

REPORT_FORMATS = ("md", "json")


def add_parsers(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report", help="the weekly product-ops report (the Metrics pane's figures)",
        description="Every figure of the Metrics pane for a period, beside the period of the same length before it: "
                    "Markdown for a wiki or a chat, or JSON for dashboards (docs/REFERENCE.md lists its fields). "
                    "A day means 09:00 local time, as everywhere in prodops.")
    report_window = report.add_mutually_exclusive_group()
    report_window.add_argument("--since", metavar="WHEN", help="up to now from WHEN: 30d (the default), 7d, 90d, 2026-11-01, last monday")
    report_window.add_argument("--from", dest="from_", metavar="DATE", help="a fixed window from DATE, up to --to (default: now)")
    report.add_argument("--to", metavar="DATE", help="the end of the --from window (not included)")
    report.add_argument("--format", choices=REPORT_FORMATS, help="default: from the -o file's extension, else md")
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE, whole or not at all (private: it names customers); default stdout")


def cmd_report(store: Store, args: argparse.Namespace) -> int:
    from ..core.metrics import figures, period, report, roadmap

    fmt = output_format(args.format, args.output, accepted=REPORT_FORMATS, default="md", what="a report")
    if args.to and not args.from_:
        raise UsageError("--to needs --from (or use --since)")
    now = from_iso(store.clock())
    window = period.from_options(since_text=args.since, from_text=args.from_, to_text=args.to, now=now)
    found = roadmap.with_roadmap(figures.compute(store, window, now=now), store)
    write_output(report.json_text(found) if fmt == "json" else report.to_markdown(found), args.output)
    return 0
