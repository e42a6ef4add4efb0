"""Fuzz target for the digest reader (`decode` + `parse_digest`).

    python tests/fuzz/fuzz_digest.py                    # random loop: 20,000 inputs, seed 0
    python tests/fuzz/fuzz_digest.py -n 200000 --seed 7
    python tests/fuzz/fuzz_digest.py --seconds 600      # as many as fit in ten minutes
    python tests/fuzz/fuzz_digest.py --atheris [atheris/libFuzzer options]   # coverage-guided, if installed
    python tests/fuzz/fuzz_digest.py --bench 5 20 50    # time and peak memory for digests of N MB
    python tests/fuzz/fuzz_digest.py --bench-shapes 50  # the same for adversarial shapes of 50 MB

Every input is checked against the parser's promises (`check_digest`): it never
raises, never yields a paper with an empty or invisible title, every entry's line
number points at the line holding its title, and every problem names a real line.
The random loop builds its inputs from the real digests in content/digests/:
mixtures of their lines, truncations, line-ending changes, byte flips, hostile
characters, random bytes. A failing input is written to tests/fuzz/crash-<n>.bin
and the loop stops; the script prints how many inputs it tried.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sitegen.core.latex import clean_latex  # noqa: E402
from sitegen.ingest.digest import MAX_DIGEST_BYTES, decode, normalise_line, parse_digest  # noqa: E402

DIGESTS = sorted((ROOT / "content" / "digests").glob("*.txt"))
LINE_BREAK = re.compile(r"\r\n|\r|\n")
VISIBLE = re.compile(r"[^\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u206f\ufeff]")
FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
HOSTILE = [
    "\x00", "\x1b[31m", "\u202e", "\u2066", "\u200d", "\ufeff", "\u2028", "\x85", "\x0c", "\t", "\u00a0",
    "{{ config }}", "{% raw %}", "---", "...", "yes", "null", "- x", ": x", "#", "&anchor", "*alias",
    "!!python/object:os.system", "<script>alert(1)</script>", '" onmouseover="x', "javascript:alert(1)",
    "``", "''", "\\", "\\ie", "{\\delta}", "http://x.y/(a)))", "Subscribe", "SubscribeX", "• 3 authors",
    "·", "Dec 15", "Mar 13, 2024 12", "1 author", "new", "Daily Papers", "\U0001f600", "論文", "مرحبا",
]  # fmt: skip
ENDINGS = ["\n", "\r\n", "\r"]


def real_lines() -> list[str]:
    """Every line of every bundled digest (blank ones too: they carry the layout)."""
    lines: list[str] = []
    for path in DIGESTS:
        lines += LINE_BREAK.split(path.read_bytes().decode("utf-8-sig"))
    return lines


def check_digest(text: str, source: str = "fuzz.txt") -> object:
    """Parse `text` and assert every promise the parser makes about its result."""
    digest = parse_digest(text, source, year=2025)
    raw = LINE_BREAK.split(text)
    for entry in digest.entries:
        assert entry.source == source
        assert entry.title.strip(), f"empty title from line {entry.line}"
        assert VISIBLE.search(entry.title), f"invisible title {entry.title!r} from line {entry.line}"
        assert not FORBIDDEN_IN_TEXT.search(entry.title), f"control character in title {entry.title!r}"
        assert not FORBIDDEN_IN_TEXT.search(entry.abstract), f"control character in the abstract of {entry.title!r}"
        assert 1 <= entry.line <= len(raw), f"line {entry.line} of {len(raw)}"
        line = normalise_line(raw[entry.line - 1])
        candidates = {clean_latex(line)}
        if line.startswith("Subscribe"):
            candidates.add(clean_latex(line[len("Subscribe") :].strip()))
        assert entry.title in candidates, f"line {entry.line} is {line[:80]!r}, not the title {entry.title[:80]!r}"
        if entry.date is not None:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.date)
        assert entry.authors is None or entry.authors >= 0
    for problem in digest.problems:
        assert problem.source == source
        assert 0 <= problem.line <= len(raw), f"problem at line {problem.line} of {len(raw)}"
    if not digest.is_digest:
        assert not digest.entries and digest.problems
    return digest


def check_bytes(data: bytes, source: str = "fuzz.txt") -> object:
    """`decode`, then `check_digest` on what it read; refusals must name the file."""
    text, problem = decode(data, source)
    if text is None:
        assert problem is not None and problem.source == source and problem.message
        return None
    if problem is not None:  # read, with a warning
        assert problem.source == source
        assert "Windows-1252" in problem.message or "control character" in problem.message, problem
    else:
        assert "\x00" not in text
    return check_digest(text, source)


# --------------------------------------------------------------------------- input generation


def random_input(rng: random.Random, lines: list[str]) -> bytes:
    """One input, mostly built from real digest lines (see the module docstring)."""
    kind = rng.randrange(8)
    if kind == 0:  # random bytes
        return bytes(rng.randrange(256) for _ in range(rng.randrange(400)))
    if kind == 1:  # a real digest truncated at a random byte, in a random line ending
        data = DIGESTS[rng.randrange(len(DIGESTS))].read_bytes()
        data = data[: rng.randrange(len(data) + 1)]
        return data.replace(b"\n", rng.choice(ENDINGS).encode())
    picked = []
    for _ in range(rng.randrange(60)):
        line = rng.choice(lines)
        roll = rng.random()
        if roll < 0.1:
            line = line[: rng.randrange(len(line) + 1)]
        elif roll < 0.2:
            at = rng.randrange(len(line) + 1)
            line = line[:at] + rng.choice(HOSTILE) + line[at:]
        elif roll < 0.25:
            line = rng.choice(HOSTILE)
        picked.append(line)
    mixed = kind == 2  # every line its own ending
    text = "".join(line + rng.choice(ENDINGS) for line in picked) if mixed else rng.choice(ENDINGS).join(picked)
    data = text.encode("utf-8")
    if kind == 3 and data:  # flipped bytes
        buf = bytearray(data)
        for _ in range(rng.randrange(1, 6)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        data = bytes(buf)
    elif kind == 4:  # another encoding
        codec = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "utf-8-sig"])
        data = text.encode(codec, "replace")
    return data


def random_loop(count: int, seed: int, seconds: float | None = None, quiet: bool = False) -> int:
    """Check `count` random inputs (or as many as fit in `seconds`); returns how many."""
    rng = random.Random(seed)
    lines = real_lines()
    start = time.monotonic()
    tried = 0
    while tried < count or seconds is not None:
        if seconds is not None and time.monotonic() - start > seconds:
            break
        data = random_input(rng, lines)
        try:
            check_bytes(data)
        except BaseException:
            path = Path(__file__).with_name(f"crash-{seed}-{tried}.bin")
            path.write_bytes(data)
            print(f"input {tried} (seed {seed}) failed; saved to {path}", file=sys.stderr)
            raise
        tried += 1
        if not quiet and tried % 5000 == 0:
            print(f"{tried} inputs tried ({time.monotonic() - start:.0f} s)", flush=True)
    if not quiet:
        print(f"{tried} inputs tried in {time.monotonic() - start:.1f} s, seed {seed}: no failure")
    return tried


def run_atheris(argv: list[str]) -> None:
    import atheris  # type: ignore[import-not-found]

    def one_input(data: bytes) -> None:
        check_bytes(data)

    atheris.Setup(argv, one_input)
    atheris.Fuzz()


# --------------------------------------------------------------------------- size benchmark


def big_digest(megabytes: float) -> bytes:
    """Real digest lines repeated up to `megabytes` MB."""
    chunk = b"\n".join(p.read_bytes().removeprefix(b"\xef\xbb\xbf") for p in DIGESTS) + b"\n"
    size = int(megabytes * 2**20)
    return (chunk * (size // len(chunk) + 1))[:size]


def bench_one(megabytes: float) -> str:
    """Parse a `megabytes` digest: wall time untraced, then peak traced memory."""
    import tracemalloc

    data = big_digest(megabytes)
    start = time.perf_counter()
    text, problem = decode(data, "big.txt")
    if text is None:
        return f"{megabytes:g} MB: refused in {time.perf_counter() - start:.2f} s: {problem}"
    digest = parse_digest(text, "big.txt", year=2025)
    seconds = time.perf_counter() - start
    entries = len(digest.entries)
    del text, digest
    tracemalloc.start()
    text, _ = decode(data, "big.txt")
    parse_digest(text, "big.txt", year=2025)  # type: ignore[arg-type]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (
        f"{megabytes:g} MB: {entries} entries in {seconds:.2f} s, peak {peak / 2**20:.0f} MiB "
        f"({peak / len(data):.1f}x the input)"
    )


SHAPES = {
    "real lines repeated": None,
    "one abstract over many lines": "A sentence of abstract text that goes on for a while. " * 6 + "\n",
    "one line, no line break": "word " * 20,
    "unclosed LaTeX quotes": "``x ",
    "a URL ending in brackets": "http://a.example/x" + ")" * 200 + " ",
    "only line breaks": "\r\n\r\n\n\r",
}


def bench_shape(megabytes: float, shape: str) -> str:
    """Time and peak traced memory to read and parse one adversarial shape."""
    import tracemalloc

    unit = SHAPES[shape]
    if unit is None:
        data = big_digest(megabytes)
    else:
        head = "Daily Papers\nDec 15\nA title\n\n"
        data = (head + unit * int(megabytes * 2**20 / len(unit.encode()))).encode()

    def run() -> str:
        text, problem = decode(data, "big.txt")
        if text is None:
            return f"refused: {problem}"
        return f"{len(parse_digest(text, 'big.txt', year=2025).entries)} entries"

    start = time.perf_counter()
    what = run()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (
        f"{megabytes:g} MB, {shape}: {what} in {seconds:.2f} s, peak {peak / 2**20:.0f} MiB ({peak / len(data):.1f}x)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--count", type=int, default=20_000, help="inputs to try (default 20000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, help="run for this long instead of --count inputs")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided fuzzing with atheris")
    parser.add_argument("--bench", type=float, nargs="*", metavar="MB", help="time and memory per digest size")
    parser.add_argument("--bench-shapes", type=float, metavar="MB", help="time and memory per adversarial shape")
    args, rest = parser.parse_known_args()
    if args.bench is not None:
        for size in args.bench or [5, 20, 50]:
            # One process per size, so one size's memory does not count against the next.
            code = f"from tests.fuzz.fuzz_digest import bench_one; print(bench_one({size}))"
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        print(f"limit: digests over {MAX_DIGEST_BYTES // 2**20} MB are refused")
        return 0
    if args.bench_shapes is not None:
        for shape in SHAPES:
            code = f"from tests.fuzz.fuzz_digest import bench_shape; print(bench_shape({args.bench_shapes}, {shape!r}))"
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        return 0
    if args.atheris:
        run_atheris([sys.argv[0], *rest])
        return 0
    random_loop(args.count, args.seed, args.seconds)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
