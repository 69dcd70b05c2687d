"""The ``tradedeal data`` commands: ``build``, ``refresh``, ``diff``, ``verify`` and ``vintages``,
each calling the library (:mod:`tradedeal.ingest`) and printing what comes back.
"""

from __future__ import annotations

import argparse
import sys

from tradedeal.present.tables import render


def run_data(args: argparse.Namespace) -> None:
    """Run the parsed ``tradedeal data`` command."""
    if args.data_command == "build":
        from tradedeal.ingest.processed import rebuild
        from tradedeal.ingest.consistency import accept

        if args.accept_break:
            accept(args.accept_break)
        manifest = rebuild()
        for name, info in manifest["tables"].items():
            print(f"{name}: {info['rows']} rows")
        for key in manifest["breaks"]:
            print(f"accepted break: {key} ({manifest['accepted_breaks'][key]})")
    elif args.data_command == "refresh":
        from tradedeal.ingest.refresh import refresh

        created = refresh(args.source, args.start, args.end, progress=sys.stderr.isatty())
        for path in created:
            print(f"new vintage: {path.parent.name}/{path.name}")
        if not created:
            print("nothing new: no month released after the data's last")
    elif args.data_command == "diff":
        from tradedeal.ingest.refresh import diff

        changes = diff(args.a, args.b)
        if args.format == "table":
            print(f"{len(changes)} changes from {args.a} to {args.b}")
            if len(changes):
                print(changes.to_string(index=False))
        else:
            table = changes.assign(month=changes["month"].astype(str))
            sys.stdout.write(render(table, args.format, question={"vintage_a": args.a, "vintage_b": args.b}))
    elif args.data_command == "verify":
        from tradedeal.ingest.verify import verify

        print("\n".join(verify()))
    elif args.data_command == "vintages":
        from tradedeal.ingest.vintages import drop, list_vintages

        if args.drop:
            for path in drop(args.drop):
                print(f"dropped vintage: {path.parent.name}/{path.name}")
        else:
            print("\n".join(list_vintages()))
