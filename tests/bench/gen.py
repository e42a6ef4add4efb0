"""Generate a synthetic sitegen content folder with N distinct papers, for benchmarks.

Usage:
    python tests/bench/gen.py N OUTDIR [--seed S] [--layouts ABC]

Writes
    OUTDIR/content/digests/*.txt   synthetic digests, 200-500 entries each, in all three layouts
    OUTDIR/content/taxonomy.yaml   a copy of the repository's content/taxonomy.yaml
    OUTDIR/content/config.yaml     `year: 2025` (year-less dates resolve against it)

The papers are made from the real titles and abstracts bundled in content/digests/ (read
with `sitegen.ingest.digest.parse_digest`): titles recombine real title fragments around a unique,
pronounceable method name; abstracts are real sentences reshuffled; dates, author counts and
upvotes vary. About 3% of entries re-list a paper from an earlier digest (sometimes with a
trailing full stop), so the import has merging to do. The layouts are:

    A  daily papers with metadata (`• N authors`, `·`, `Mon D, YYYY` or `Mon D` [+ upvotes]);
    B  title/abstract pairs separated by blank lines, after a capture-date header;
    C  no blank lines, the first title glued to `Subscribe`, titles and abstracts alternating.

Digest files get 200-500 entries each; the first three take layouts A, B and C, the rest a
random one (A most often). The output depends only on N and the seed; 100k papers take about
two seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))  # a fallback: an installed or PYTHONPATH sitegen comes first

from sitegen.ingest.digest import parse_digest  # noqa: E402

SOURCE_DIGESTS = REPO / "content" / "digests"
TAXONOMY = REPO / "content" / "taxonomy.yaml"
CONFIG = "# Synthetic benchmark site (tests/bench/gen.py).\ntitle: Benchmark reading list\nyear: 2025\n"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DIGEST_SIZE = (200, 500)
DUPLICATE_SHARE = 0.03
LAYOUT_WEIGHTS = {"A": 5, "B": 3, "C": 2}
OLDEST, NEWEST = dt.date(2017, 1, 1), dt.date(2025, 12, 31)
MAX_TITLE = 110
"""Titles stay well below the length at which the parser would take them for abstracts."""
MIN_ABSTRACT = 400

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_CONNECTOR = re.compile(r"\s(?=(?:for|with|via|in|of|on|through|from|to|by|towards|under|beyond)\s)", re.IGNORECASE)
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_SYLLABLES = [c + v for c in _CONSONANTS for v in _VOWELS]
_SCRAMBLE = 2_654_435_761


@dataclass(frozen=True)
class Corpus:
    """Fragments cut from the real digests."""

    leads: list[str]
    """Opening parts of titles (after any `Name: `, up to a connector word like `for` or `via`)."""
    rests: list[str]
    """Closing parts of titles, from the connector word on."""
    subtitles: list[str]
    """Whole real titles without any `Name:` prefix, to follow a made-up method name."""
    sentences: list[str]


@dataclass
class Paper:
    title: str
    abstract: str
    date: dt.date
    authors: int
    upvotes: int


def load_corpus(folder: Path = SOURCE_DIGESTS) -> Corpus:
    leads: list[str] = []
    rests: list[str] = []
    subtitles: list[str] = []
    sentences: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        digest = parse_digest(path.read_text(encoding="utf-8"), path.name, year=2025)
        for entry in digest.entries:
            title = entry.title.strip()
            head, colon, tail = title.partition(": ")
            subtitles.append(tail if colon else title)
            parts = _CONNECTOR.split(tail if colon else title, maxsplit=1)
            if len(parts) == 2 and parts[0] and parts[1]:
                leads.append(parts[0])
                rests.append(parts[1])
            sentences.extend(s.strip() for s in _SENTENCE.split(entry.abstract) if len(s.strip()) > 30)
    if not (leads and rests and sentences):
        raise SystemExit(f"no usable titles or abstracts in {folder}")
    return Corpus(leads, rests, subtitles, sentences)


def method_name(i: int) -> str:
    """A unique, pronounceable name for paper i: four syllables, i scrambled by a bijection."""
    n = len(_SYLLABLES)  # 70, so names are unique for i below 70**4 (24 million)
    x = (i * _SCRAMBLE + 12_345) % n**4  # _SCRAMBLE is coprime with 70, so this is a bijection
    out = []
    for _ in range(4):
        x, r = divmod(x, n)
        out.append(_SYLLABLES[r])
    return "".join(out).capitalize()


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def make_title(rng: random.Random, corpus: Corpus, i: int) -> str:
    name = method_name(i)
    style = rng.random()
    if style < 0.45:
        title = f"{name}: {rng.choice(corpus.subtitles)}"
    elif style < 0.8:
        title = f"{rng.choice(corpus.leads)} {rng.choice(corpus.rests)} with {name}"
    else:
        title = f"{name}: {rng.choice(corpus.leads)} {rng.choice(corpus.rests)}"
    if len(title) > MAX_TITLE:
        title = title[:MAX_TITLE].rsplit(" ", 1)[0].rstrip(":,;- ")
        if name not in title:  # the name keeps the title unique; never cut it off
            title = f"{title[: MAX_TITLE - len(name) - 3].rsplit(' ', 1)[0]} - {name}"
    return _capitalise(title)


def make_abstract(rng: random.Random, corpus: Corpus, name: str) -> str:
    count = rng.randint(4, 9)
    picked = rng.sample(corpus.sentences, count)
    if rng.random() < 0.5:
        picked.insert(rng.randint(0, 2), f"We introduce {name}, built on these observations.")
    text = " ".join(picked)
    while len(text) < MIN_ABSTRACT:
        text += " " + rng.choice(corpus.sentences)
    return text


def make_paper(rng: random.Random, corpus: Corpus, i: int) -> Paper:
    title = make_title(rng, corpus, i)
    days = (NEWEST - OLDEST).days
    return Paper(
        title=title,
        abstract=make_abstract(rng, corpus, method_name(i)),
        date=OLDEST + dt.timedelta(days=int(days * rng.random() ** 0.5)),  # more recent papers are likelier
        authors=min(int(rng.lognormvariate(1.5, 0.7)) + 1, 60),
        upvotes=int(rng.paretovariate(1.2)) - 1,
    )


def digest_sizes(rng: random.Random, total: int) -> list[int]:
    sizes: list[int] = []
    left = total
    while left > 0:
        size = min(rng.randint(*DIGEST_SIZE), left)
        sizes.append(size)
        left -= size
    if len(sizes) > 1 and sizes[-1] < DIGEST_SIZE[0] // 2:  # fold a small tail into the previous digest
        tail = sizes.pop()
        sizes[-1] += tail
    return sizes


def _date_text(day: dt.date, with_year: bool) -> str:
    text = f"{MONTHS[day.month - 1]} {day.day}"
    return f"{text}, {day.year}" if with_year else text


def render_a(rng: random.Random, entries: Sequence[Paper], capture: dt.date) -> str:
    out = ["new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers"]
    out += ["byAK and the research community", _date_text(capture, False)]
    for paper in entries:
        out += [paper.title, paper.abstract]
        out.append(f"  • {paper.authors} author{'s' if paper.authors != 1 else ''}")
        out.append("·")
        recent = dt.timedelta(0) <= capture - paper.date < dt.timedelta(days=330)
        date_line = _date_text(paper.date, with_year=not (recent and rng.random() < 0.7))
        if rng.random() < 0.35:
            date_line += f" {paper.upvotes}"
        out.append(date_line)
    return "\n\n".join(out) + "\n"


def render_b(entries: Sequence[Paper], capture: dt.date) -> str:
    out = ["new", "Get trending papers in your email inbox!", "Subscribe", "byAK and the research community"]
    out.append(_date_text(capture, False))
    for paper in entries:
        out += [paper.title, paper.abstract]
    return "\n\n".join(out) + "\n"


def render_c(entries: Sequence[Paper]) -> str:
    out = ["Get trending papers in your email inbox once a day!", "Get trending papers in your email inbox!"]
    for n, paper in enumerate(entries):
        title = _capitalise(paper.title)
        out += [f"Subscribe{title}" if n == 0 else title, paper.abstract]
    return "\n".join(out) + "\n"


def generate(n: int, outdir: Path, seed: int = 1, layouts: Sequence[str] = tuple(LAYOUT_WEIGHTS)) -> dict[str, int]:
    """Write the content folder; returns counts (digests, entries, papers, duplicates).
    `layouts` narrows the digest layouts (e.g. ("A",) for the import benchmark, which issue 20
    measures on format-A digests); with all three, the output is as it always was for a seed."""
    unknown = set(layouts) - set(LAYOUT_WEIGHTS)
    if unknown or not layouts:
        raise ValueError(f"layouts must be some of {', '.join(LAYOUT_WEIGHTS)}, got {list(layouts)}")
    rng = random.Random(seed)
    corpus = load_corpus()
    duplicates = round(n * DUPLICATE_SHARE)
    sizes = digest_sizes(rng, n + duplicates)
    first = sizes[0]
    slots = n + duplicates
    # Duplicate slots: never in the first digest, so every duplicate repeats an earlier digest's paper.
    dup_slots = set(rng.sample(range(first, slots), min(duplicates, max(slots - first, 0))))
    n_papers = slots - len(dup_slots)

    content = outdir / "content"
    digests_dir = content / "digests"
    if digests_dir.exists():
        shutil.rmtree(digests_dir)
    digests_dir.mkdir(parents=True)
    shutil.copyfile(TAXONOMY, content / "taxonomy.yaml")
    (content / "config.yaml").write_text(CONFIG, encoding="utf-8")

    earlier: list[Paper] = []
    made = 0
    slot = 0
    layouts = [name for name in LAYOUT_WEIGHTS if name in layouts]
    weights = [LAYOUT_WEIGHTS[name] for name in layouts]
    for number, size in enumerate(sizes, 1):
        # The first three digests take one layout each, so every run has all three.
        layout = layouts[number - 1] if number <= len(layouts) else rng.choices(layouts, weights)[0]
        entries: list[Paper] = []
        fresh: list[Paper] = []
        for _ in range(size):
            if slot in dup_slots and earlier:
                again = rng.choice(earlier)
                title = again.title + "." if rng.random() < 0.2 else again.title
                entries.append(Paper(title, again.abstract, again.date, again.authors, again.upvotes + 1))
            else:
                fresh.append(make_paper(rng, corpus, made))
                entries.append(fresh[-1])
                made += 1
            slot += 1
        capture = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365))
        if layout == "A":
            text = render_a(rng, entries, capture)
        elif layout == "B":
            text = render_b(entries, capture)
        else:
            text = render_c(entries)
        dated = layout != "C" and rng.random() < 0.5
        name = (
            f"{capture.isoformat()}-hf-papers-{number:04d}.txt"
            if dated
            else f"hf-papers-{layout.lower()}-{number:04d}.txt"
        )
        (digests_dir / name).write_text(text, encoding="utf-8", newline="\n")
        earlier.extend(fresh)
    assert made == n_papers
    return {"digests": len(sizes), "entries": slots, "papers": n_papers, "duplicates": len(dup_slots)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of distinct papers")
    parser.add_argument("outdir", type=Path, help="folder to write content/ into")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--layouts", default="ABC", help="digest layouts to use, e.g. A (default ABC)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    if not args.layouts or set(args.layouts) - set(LAYOUT_WEIGHTS):
        parser.error("--layouts takes letters from ABC")
    counts = generate(args.n, args.outdir, args.seed, tuple(args.layouts))
    print(
        f"{args.outdir / 'content'}: {counts['papers']} papers in {counts['entries']} entries "
        f"({counts['duplicates']} duplicates) across {counts['digests']} digests"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
