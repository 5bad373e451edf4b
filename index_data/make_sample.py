"""Rebuild the bundled sample corpus from ../shared/data (run from the repository root).

Takes the seed article and 300 Vietnamese Wikipedia articles (CC BY-SA 4.0) that talk about
Vietnam, keeping each article's url, source and licence for attribution.
"""

import gzip
import json
import shutil
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parent / "corpus"
COUNT = 300


def main() -> None:
    OUT.mkdir(exist_ok=True)
    shutil.copy(SHARED / "seed" / "000_e74d3da79069b4c0.txt", OUT)
    with gzip.open(SHARED / "viwiki" / "viwiki.jsonl.gz", "rt", encoding="utf-8") as source:
        articles = [json.loads(line) for line in source]
    chosen = [
        a
        for a in articles
        if 1_000 <= len(a["body"]) <= 20_000 and ("Việt Nam" in a["body"] or "Hà Nội" in a["body"])
    ][:COUNT]
    with open(OUT / "viwiki-sample.jsonl", "w", encoding="utf-8") as out:
        for article in chosen:
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
    print(f"wrote {len(chosen)} articles to {OUT}")


if __name__ == "__main__":
    main()
