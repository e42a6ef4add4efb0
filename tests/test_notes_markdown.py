"""Notes in GitHub-flavoured Markdown with footnotes and math, raw HTML still off.

tests/fixtures/notes/notes.txt holds each case as markdown-it-py's fixtures do: a title,
then `.`, the Markdown, `.`, the HTML it gives, `.`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from sitegen.build.pipeline import Project, build
from sitegen.site.check import check_site
from sitegen.site.markdown import to_html
from tests.sites import FIXTURES
from tests.validate import validate_html

CASES = FIXTURES / "notes" / "notes.txt"


def read_cases(path: Path) -> list[tuple[str, str, str]]:
    """(title, markdown, html) of each case."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases, at = [], 0
    while at < len(lines):
        if not lines[at].strip():
            at += 1
            continue
        title = lines[at]
        assert lines[at + 1] == ".", f"{path.name}:{at + 2}: expected '.'"
        parts, at = [], at + 2
        for _ in range(2):
            start = at
            while lines[at] != ".":
                at += 1
            parts.append("\n".join(lines[start:at]) + "\n")
            at += 1
        cases.append((title, parts[0], parts[1]))
    return cases


@pytest.mark.parametrize(
    ("markdown", "expected"), [pytest.param(md, html, id=title) for title, md, html in read_cases(CASES)]
)
def test_notes_fixture(markdown: str, expected: str) -> None:
    assert to_html(markdown) == expected


def test_fixture_file_has_every_feature() -> None:
    titles = " ".join(title for title, _, _ in read_cases(CASES))
    for feature in ("table", "strikethrough", "footnotes", "autolinks", "math", "raw HTML"):
        assert feature in titles


NOTE = """\
| model | bits |
|---|--:|
| RotQ | 4 |

~~Beats QuaRot~~ ties with it[^1]. Loss $\\mathcal{L} < 1$, then
$$
\\log p
$$
and

$$
\\sum_i x_i
$$

Code: https://github.com/example/rotq

[^1]: Table 2.
"""


def test_a_paper_page_with_every_feature_is_valid_and_its_links_resolve(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "golden" / "content", content)
    page = content / "papers" / "rotq-rotated-4-bit-quantization-for-llms.md"
    page.write_text(page.read_text().split("\n---\n")[0] + "\n---\n" + NOTE)
    project = Project(content=content, templates=tmp_path / "none", output=tmp_path / "site")
    build(project, run_importer=False, search=False)
    paper = project.output / "papers" / "rotq-rotated-4-bit-quantization-for-llms" / "index.html"
    notes = lxml_html.parse(str(paper)).getroot().xpath("//section[@class='notes']")[0]

    def texts(xpath: str) -> list[str]:
        return [e.text_content() for e in notes.xpath(xpath)]

    assert texts(".//table//td") == ["RotQ", "4"]
    assert texts(".//s") == ["Beats QuaRot"]
    assert texts(".//span[@class='math inline']") == ["\\mathcal{L} < 1"]
    assert texts(".//span[@class='math display']") == ["\\log p"]  # $$ lines inside a paragraph
    assert [t.strip() for t in texts(".//div[@class='math block']")] == ["\\sum_i x_i"]
    assert notes.xpath(".//a[@href='https://github.com/example/rotq']")
    assert notes.xpath(".//section[@class='footnotes']//li[@id='fn1']") and notes.xpath(".//sup/a[@href='#fn1']")
    assert validate_html([paper]) == []
    checked, broken = check_site(project.output)  # (the 404 page's links are absolute, for any depth)
    assert checked > 0 and [b for b in broken if b.page.startswith("papers/")] == []
    assert not re.search(r"\$\\mathcal", paper.read_text())  # the dollars are gone: it was read as math
