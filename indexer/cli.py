"""The command line: python -m indexer build|add|delete|stats|search|similar|optimize.

Exit codes: 0 success, 1 when a document was rejected (or the command failed), 2 on a usage
error. Warnings and errors are one line each on standard error.

A program that offers more commands over the same parser (``vietsearch``, with ``serve``: see
web/cli.py) passes them to ``main`` as ``Command`` entries; each gets ``--index`` like the rest.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from indexer import (
    DEFAULT_INDEX,
    DEFAULT_SEMANTIC_RATIO,
    SORTS,
    QueryError,
    SearchRequest,
    SynonymError,
    VietsearchError,
    build_index,
    delete_documents,
    ensure_embedded_index,
    index_embedder,
    index_stats,
    load_embedder,
    load_synonyms,
    open_index,
    optimize,
    read_documents,
    restore,
    search,
    similar_documents,
    snapshot,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class Command(NamedTuple):
    """A subcommand another program adds: its help, its options (``--index`` is added for it)
    and what it runs, which returns the exit code."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _parser(
    prog: str = "python -m indexer", more: Mapping[str, Command] | None = None
) -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Build and query a vietsearch index.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--index",
            default=os.environ.get("VIETSEARCH_INDEX", str(DEFAULT_INDEX)),
            help="index folder (default: $VIETSEARCH_INDEX or the embedded sample)",
        )
        return sub

    for name, help_text in (
        ("build", "Index sources, skipping unchanged documents."),
        ("add", "Index sources, replacing documents with the same id."),
    ):
        sub = command(name, help_text)
        sub.add_argument(
            "sources",
            nargs="+",
            metavar="SOURCE",
            help="folders, .txt, .jsonl, .jsonl.gz or .csv files",
        )
        sub.add_argument(
            "--workers",
            type=positive_number,
            default=None,
            help="segmentation processes (default: one per CPU)",
        )
        sub.add_argument(
            "--batch-size",
            type=positive_number,
            default=1000,
            help="documents per commit (default 1000)",
        )
        sub.add_argument("--quiet", action="store_true", help="print nothing but warnings")
        _embedder_option(sub)
        if name == "build":
            sub.add_argument(
                "--prune",
                action="store_true",
                help="delete documents that the sources no longer hold",
            )
    sub = command("delete", "Delete documents by id.")
    sub.add_argument("ids", nargs="+", metavar="ID")
    sub = command(
        "stats",
        "Show documents, segments, size on disk, fields, the last commit time, and a build or "
        "optimize in progress.",
    )
    sub.add_argument("--json", action="store_true", help="print JSON")
    sub = command("search", "Search the index (for debugging and scripts).")
    sub.add_argument("query", nargs="+", metavar="QUERY")
    sub.add_argument("--json", action="store_true", help="print the SearchPage as JSON")
    # Checked by SearchRequest, as the web's parameters are: one set of bounds everywhere.
    sub.add_argument("--page", default="1")
    sub.add_argument("--per-page", default="10")
    sub.add_argument("--sort", default="relevance", help=f"one of: {', '.join(SORTS)}")
    sub.add_argument(
        "--typos", default="1", help="1: mistyped words also match their corrections; 0: not"
    )
    sub.add_argument(
        "--semantic-ratio",
        default="",
        metavar="R",
        help="0: words only ... 1: meaning only (default: "
        f"{DEFAULT_SEMANTIC_RATIO} for an index with vectors, else 0)",
    )
    _embedder_option(sub)
    sub.add_argument(
        "--synonyms",
        default=os.environ.get("VIETSEARCH_SYNONYMS"),
        metavar="FILE",
        help="more abbreviations and synonyms (default: $VIETSEARCH_SYNONYMS)",
    )
    sub = command("similar", "List the documents most like document ID (its own terms).")
    sub.add_argument("id", metavar="ID")
    sub.add_argument("--json", action="store_true", help="print the SearchPage as JSON")
    sub.add_argument("--page", default="1")
    sub.add_argument("--per-page", default="10")
    sub.add_argument("--source", action="append", default=[], help="only this source (repeatable)")
    sub.add_argument(
        "--category", action="append", default=[], help="only this category (repeatable)"
    )
    sub.add_argument(
        "--from", dest="published_from", metavar="YYYY-MM-DD", help="published on or after"
    )
    sub.add_argument(
        "--to", dest="published_to", metavar="YYYY-MM-DD", help="published on or before"
    )
    command("optimize", "Merge all segments into one and remove stale files.")
    # Snapshots (indexer.replication.snapshots): a single node's backup, a cluster node's start.
    sub = command("snapshot", "Copy the latest commit (and its log position) into a new folder.")
    sub.add_argument("out", metavar="OUT", help="the snapshot's folder (must not exist)")
    sub = command("restore", "Replace the index with a snapshot (stop its server first).")
    sub.add_argument("snapshot", metavar="SNAPSHOT", help="a folder made by snapshot")
    for name, extra in (more or {}).items():
        extra.add_arguments(command(name, extra.help))
    return parser


def _embedder_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--embedder",
        default=os.environ.get("VIETSEARCH_EMBEDDER"),
        metavar="MODEL_FOLDER",
        help="a sentence-transformers model folder that gives documents and queries vectors "
        "(default: $VIETSEARCH_EMBEDDER, else the one the index records; none: words only)",
    )


def positive_number(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return int(value)


def main(
    argv: list[str] | None = None,
    prog: str = "python -m indexer",
    more: Mapping[str, Command] | None = None,
) -> int:
    """Run one command (of this module's, or of ``more``); return its exit code."""
    args = _parser(prog, more).parse_args(argv)
    name = prog.split()[-1]  # "indexer: error: ..." or "vietsearch: error: ..."
    run = more[args.command].run if more and args.command in more else _COMMANDS[args.command]
    try:
        return run(args)
    except SynonymError as exc:
        for problem in exc.problems:
            print(f"{name}: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except VietsearchError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, QueryError) else EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{name}: interrupted; committed batches are kept", file=sys.stderr)
        return 130


def _build(args) -> int:
    progress = None if args.quiet or not sys.stderr.isatty() else ProgressBar()

    def report(problem) -> None:
        print(f"warning: {problem}", file=sys.stderr)

    def start_afresh(damage: str) -> None:
        print(f"warning: {args.index}: {damage}; building it anew", file=sys.stderr)

    embedder = index_embedder(args.index, args.embedder)  # a bad folder stops here, in one line
    if progress:
        progress.total = sum(1 for _ in read_documents(args.sources, lambda p: None))
    summary = build_index(
        args.sources,
        args.index,
        skip_unchanged=args.command == "build",
        prune_missing=getattr(args, "prune", False),
        # build, the command a damaged index's error names, starts it anew; add refuses it.
        replace_damaged=start_afresh if args.command == "build" else None,
        workers=args.workers,
        batch_size=args.batch_size,
        report=report,
        progress=progress.update if progress else lambda done: None,
        total=progress.total if progress else None,
        embedder=embedder,
    )
    if progress:
        progress.finish()
    if not args.quiet:
        print(summary)
    return EXIT_FAILED if summary.rejected else EXIT_OK


def _delete(args) -> int:
    deleted = delete_documents(args.index, args.ids)
    print(f"deleted {deleted} of {len(args.ids)} documents")
    return EXIT_OK if deleted == len(set(args.ids)) else EXIT_FAILED


def _stats(args) -> int:
    stats = index_stats(_opened(args.index))
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        for key, value in stats.items():
            if key == "in_progress":
                value = progress_text(value)
            elif key == "embedder":
                value = f"{value['path']} ({value['dimension']} dimensions)" if value else "none"
            print(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    return EXIT_OK


def progress_text(progress: dict | None) -> str:
    """A build or optimize in progress in one line: ``build (pid 4242), indexing 1,200 of
    38,084 documents (3%), since 2026-12-02T06:35:00+00:00``; ``none`` when there is none."""
    if not progress:
        return "none"
    done, total = progress.get("done", 0), progress.get("total")
    if total:
        amount = f"{done:,} of {total:,} documents ({100 * done // max(total, 1)}%)"
    else:
        amount = f"{done:,} documents (total still being counted)" if done else "started"
    return (
        f"{progress['command']} (pid {progress['pid']}), {progress['phase']} {amount}, "
        f"since {progress['started']}"
    )


def _search(args) -> int:
    synonyms = load_synonyms(args.synonyms)
    values = {
        "page": args.page,
        "per_page": args.per_page,
        "sort": args.sort,
        "typos": args.typos,
        "semantic_ratio": args.semantic_ratio,
    }
    request = SearchRequest.from_params(values.get, lambda name: [])
    index = _opened(args.index)
    if args.embedder:
        index = open_index(index.path, load_embedder(args.embedder))
    page = search(
        index,
        " ".join(args.query),
        page=request.page,
        per_page=request.per_page,
        sort=request.sort,
        synonyms=synonyms,
        typos=request.typos,
        semantic_ratio=request.semantic_ratio,
    )
    if args.json:
        print(json.dumps(page.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{page.total} results ({page.took_ms:.1f} ms)")
    if page.suggestion:
        print(f"did you mean: {page.suggestion}")
    for rank, hit in enumerate(page.hits, start=(page.page - 1) * page.per_page + 1):
        print(f"{rank}. {_plain(hit.title_html)}  [{hit.id}, {hit.score:.2f}]")
        print(f"   {_plain(hit.snippet_html)}")
    return EXIT_OK


def _similar(args) -> int:
    values = {
        "page": args.page,
        "per_page": args.per_page,
        "from": args.published_from,
        "to": args.published_to,
    }
    lists = {"source": args.source, "category": args.category}
    request = SearchRequest.from_params(values.get, lambda name: lists.get(name, []))
    page = similar_documents(
        _opened(args.index), args.id, request.page, request.per_page, request.filters
    )
    if args.json:
        print(json.dumps(page.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{page.total} similar documents ({page.took_ms:.1f} ms)")
    for rank, hit in enumerate(page.hits, start=(page.page - 1) * page.per_page + 1):
        print(f"{rank}. {_plain(hit.title_html) or hit.id}  [{hit.id}, {hit.score:.2f}]")
    return EXIT_OK


def _optimize(args) -> int:
    removed = optimize(_opened(args.index))
    print(f"optimized; removed {len(removed)} stale files left by interrupted commits")
    return EXIT_OK


def _opened(path: str):
    if Path(path).resolve() == DEFAULT_INDEX.resolve():
        ensure_embedded_index()
    return open_index(path)


def _plain(fragment: str) -> str:
    """Snippet HTML for a terminal: marks in bold on a terminal, plain text otherwise."""
    bold, normal = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")
    fragment = re.sub(r"<mark>", bold, fragment).replace("</mark>", normal)
    return html.unescape(fragment)


class ProgressBar:
    """One self-rewriting line on standard error: done/total, documents/s and ETA."""

    def __init__(self, total: int | None = None):
        self.total = total
        self.started = time.monotonic()
        self.shown_at = 0.0

    def update(self, done: int) -> None:
        """Redraw, at most ten times a second."""
        now = time.monotonic()
        if now - self.shown_at < 0.1 and done != self.total:
            return
        self.shown_at = now
        rate = done / max(now - self.started, 1e-9)
        total = self.total or done
        filled = int(30 * done / total) if total else 30
        eta = (total - done) / rate if rate and total >= done else 0
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} "
            f"{rate:.1f} docs/s ETA {int(eta) // 60}:{int(eta) % 60:02d} "
        )
        sys.stderr.flush()

    def finish(self) -> None:
        """End the progress line."""
        sys.stderr.write("\n")


def _snapshot(args) -> int:
    taken = snapshot(args.index, args.out)
    how = "linked" if taken.linked else "copied"
    print(
        f"snapshot {taken.path}: commit {taken.generation}, applied seq {taken.applied_seq}, "
        f"{taken.files} files {how}, {taken.bytes:,} bytes"
    )
    return EXIT_OK


def _restore(args) -> int:
    restored = restore(args.snapshot, args.index)
    print(
        f"restored {args.snapshot} into {restored.path}: commit {restored.generation}, "
        f"applied seq {restored.applied_seq}"
    )
    return EXIT_OK


_COMMANDS = {
    "build": _build,
    "add": _build,
    "delete": _delete,
    "stats": _stats,
    "search": _search,
    "similar": _similar,
    "optimize": _optimize,
    "snapshot": _snapshot,
    "restore": _restore,
}
