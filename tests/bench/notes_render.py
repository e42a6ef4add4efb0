"""What GitHub-flavoured notes cost against plain CommonMark: renders a set of notes with
sitegen.site.markdown.to_html and with markdown-it-py's commonmark preset (the renderer before
it), and prints the CPU time per note for each (the best of --repeat runs, alternating:
CPU time, since the machine this runs on is shared).

    python tests/bench/notes_render.py [--notes 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

from markdown_it import MarkdownIt

from sitegen.site.markdown import to_html

NOTES = [
    "Worth comparing with **QuaRot**; the [project page](https://example.org/rotq) has code.\n\n"
    "- Rotation before quantization\n- Outliers spread across channels\n",
    "Loss drops with $N^{-0.07}$; compare Chinchilla, www.example.org and https://arxiv.org/abs/2203.15556.\n\n"
    "| model | params | loss |\n|---|--:|--:|\n| small | 125M | 3.1 |\n| large | 1.3B | 2.6 |\n\n"
    "~~Claims SOTA~~ ties with the baseline[^1].\n\n[^1]: Table 3, last row.\n",
    "Read section 4 again. " * 20 + "\n",
]


def per_note(render: object, notes: list[str]) -> float:
    start = time.process_time()
    for text in notes:
        render(text)  # type: ignore[operator]
    return (time.process_time() - start) / len(notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    notes = [f"{NOTES[i % len(NOTES)]}\n(note {i})" for i in range(args.notes)]
    commonmark = MarkdownIt("commonmark", {"html": False})
    to_html(notes[0])
    commonmark.render(notes[0])  # both parsers built before timing
    runs = [(per_note(commonmark.render, notes), per_note(to_html, notes)) for _ in range(args.repeat)]
    old, new = min(run[0] for run in runs), min(run[1] for run in runs)
    print(
        f"{args.notes} notes, best of {args.repeat}: commonmark {old * 1e6:.0f} us/note, gfm+footnotes+math {new * 1e6:.0f} us/note"
    )
    print(f"ratio {new / old:.2f}; at 10,000 notes, {(new - old) * 10_000:.2f} s more CPU in a full build")


if __name__ == "__main__":
    main()
