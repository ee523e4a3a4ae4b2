"""``pilotwatch docs [--open]``: check the published warehouse and build the Data Docs."""

from __future__ import annotations

import argparse


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Validates the published warehouse (read-only) against data/expectations/warehouse.yaml, "
        "builds the great-expectations Data Docs (HTML) and prints where they are. The annual "
        "refresh evaluates the same checks as DuckDB queries before it publishes and builds the Data "
        "Docs only when one fails. Exit status 1 when a check fails."
    )
    p.epilog = (
        "examples:\n  pilotwatch docs            # prints the path of index.html\n"
        "  pilotwatch docs --open     # and opens the offline summary (checks.html) in the browser\n"
        "  PILOTWATCH_DOCS_DIR=/srv/docs pilotwatch docs"
    )
    p.add_argument("--open", action="store_true",
                   help="open the offline summary (checks.html: every check, linked to its validation page) in a web browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import webbrowser

    import warehouse
    from pilotwatch import checks

    con = warehouse.connect(read_only=True, sandbox=False)  # the checks write Data Docs files with COPY
    try:
        outcome = checks.run_checkpoint(con)
    finally:
        con.close()
    print(outcome.text())
    if args.open and outcome.docs_index:
        # checks.html, not great-expectations' index.html: that index fills its lists with scripts from
        # public CDNs and is blank without internet; checks.html is self-contained.
        webbrowser.open(outcome.docs_index.with_name("checks.html").as_uri())
    return 0 if outcome.ok else 1
