"""``vietsearch``: one command for the library's subcommands and ``serve``.

    vietsearch serve [--index DIR] [--host H] [--port P] [--workers N]
    vietsearch build|add|delete|search|stats|optimize ...   (as python -m indexer)

The parser is ``indexer.cli``'s; this module adds the commands that need the web (the library
never imports Flask). A new one is an entry of ``COMMANDS``: its help, a function that adds its
options, and one that runs it.
"""

from __future__ import annotations

import sys

from indexer.cli import Command
from indexer.cli import main as indexer_main
from web.server.gunicorn import add_serve_arguments, serve

COMMANDS = {
    "serve": Command(
        "Serve the search page and the JSON API with gunicorn (what python -m web does).",
        add_serve_arguments,
        serve,
    ),
}


def main(argv: list[str] | None = None) -> int:
    """Run one ``vietsearch`` command; return its exit code."""
    return indexer_main(argv, prog="vietsearch", more=COMMANDS)


if __name__ == "__main__":
    sys.exit(main())
