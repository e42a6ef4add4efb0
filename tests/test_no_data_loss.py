"""No data loss: whatever the user writes into a page survives every later import.

A hypothesis state machine interleaves imports with hand edits (notes appended to the
body, tags added and removed, a status, extra keys with YAML comments placed anywhere,
a switch to CRLF line endings, a page broken and fixed again) and digest changes
(entries added and removed, abstracts edited so that links and tags change, upvotes,
the taxonomy edited). After every import: every note, tag edit, status, extra key and
comment is still there, byte for byte where the user wrote it; a page with malformed
front matter is reported with file and line, left byte for byte untouched, and no
second page is made for its paper; no page is ever deleted.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from sitegen.core.keys import paper_key
from sitegen.core.latex import clean_latex
from sitegen.core.models import Paper
from sitegen.ingest.digest import normalise_line
from sitegen.ingest.importer import load_taxonomy
from sitegen.pagefile.pages import new_page, read_page, split_page, update_page
from sitegen.site.library import paper_from_page
from tests.fuzz.helpers import ABSTRACT, BOILER, TAXONOMY, do_import, entry_text, make_content, pages, write_digest

TAXONOMY_B = TAXONOMY.replace(
    "  speech:",
    "  efficiency:\n    name: Efficiency\n    title: ['\\befficient']\n    text: ['\\bfaster\\b', '\\befficien']\n    min: 1\n  speech:",
).replace("['\\bspeech\\b', '\\baudio\\b']", "['\\bspeech\\b']")
PAPERS = [
    "QuantBits: 4-bit Quantization for Everyone",
    "Routing Experts at Scale",
    "A Speech Model That Listens",
    "Plain Paper With No Rule",
    "Colliding Title",
    "Colliding: Title",
    "yes",
    "Efficient Things: # not a comment",
]
VARIANTS = [
    ABSTRACT,
    ABSTRACT + " We use int8 quantization; code at https://github.com/example/quantbits. Faster too.",
    ABSTRACT + " A mixture-of-experts router and an audio model, see https://example.org/project (demo).",
    "Abstract with YAML traps: yes, null, - x, : x, # hash, &anchor, *alias, !!python/object, {{ x }}, {% y %}. "
    "And a dash line --- in the middle. Second sentence, long enough to read as an abstract.",
]
DIGEST_NAMES = ["2025-12-15-a.txt", "2025-12-16-b.txt"]
STATUSES = ["to-read", "reading", "read", "dropped"]
USER_TAGS = ["mine", "quantization", "speech", "moe", "later", "efficiency"]
BROKEN_LINES = ["rating: [4", "bad: 'unclosed", "\tindented: with a tab", "read_on: 2024-02-30", "x: *nowhere"]


@dataclass
class PageModel:
    """What the user did to one page, to check after every import."""

    title: str
    body: str = ""
    added: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    status: str | None = None
    extras: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    broken: bytes | None = None
    """The page's bytes while its front matter is malformed."""
    unbroken: str | None = None


def _lines(text: str) -> tuple[list[str], str]:
    newline = split_page(text, "p").newline
    return text.split(newline), newline


def _front_range(lines: list[str]) -> tuple[int, int]:
    close = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    return 1, close


class ImportAndEdit(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sitegen-noloss-"))
        self.content = make_content(self.root)
        self.digests: dict[str, dict[int, tuple[int, int | None]]] = {n: {} for n in DIGEST_NAMES}
        self.models: dict[str, PageModel] = {}  # slug -> model
        self.ever_pages: set[str] = set()
        self.counter = 0
        self.imports = 0
        self.digests[DIGEST_NAMES[0]] = {p: (p % len(VARIANTS), None) for p in range(len(PAPERS))}
        self._write_digests()
        self.do_import()

    def teardown(self) -> None:
        root = getattr(self, "root", None)
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    # ----------------------------------------------------------------- digest changes

    def _write_digests(self) -> None:
        for name, entries in self.digests.items():
            write_digest(
                self.content,
                name,
                [
                    entry_text(PAPERS[p], VARIANTS[v], date=f"Dec 1{p % 5}, 2025" + (f" {up}" if up else ""))
                    for p, (v, up) in sorted(entries.items())
                ],
            )

    @rule(
        digest=st.sampled_from(DIGEST_NAMES),
        paper=st.integers(0, len(PAPERS) - 1),
        variant=st.integers(0, len(VARIANTS) - 1),
    )
    def add_or_edit_entry(self, digest: str, paper: int, variant: int) -> None:
        up = self.digests[digest].get(paper, (0, None))[1]
        self.digests[digest][paper] = (variant, up)
        self._write_digests()

    @rule(digest=st.sampled_from(DIGEST_NAMES), paper=st.integers(0, len(PAPERS) - 1))
    def remove_entry(self, digest: str, paper: int) -> None:
        self.digests[digest].pop(paper, None)
        self._write_digests()

    @rule(digest=st.sampled_from(DIGEST_NAMES), paper=st.integers(0, len(PAPERS) - 1), upvotes=st.integers(1, 500))
    def set_upvotes(self, digest: str, paper: int, upvotes: int) -> None:
        if paper in self.digests[digest]:
            self.digests[digest][paper] = (self.digests[digest][paper][0], upvotes)
            self._write_digests()

    @rule(alternative=st.booleans())
    def edit_taxonomy_and_import(self, alternative: bool) -> None:
        (self.content / "taxonomy.yaml").write_text(TAXONOMY_B if alternative else TAXONOMY, encoding="utf-8")
        self.run_import()

    # ----------------------------------------------------------------- the import and its checks

    @rule()
    def run_import(self) -> None:
        report = self.do_import()
        problems = [str(p) for p in report.problems]
        for slug, model in self.models.items():
            if model.broken is not None:
                where = [p for p in report.problems if p.source == f"papers/{slug}.md" and p.line >= 1]
                assert where, f"broken page {slug} not reported with a line: {problems}"

    def do_import(self):  # type: ignore[no-untyped-def]
        report = do_import(self.content)
        self.imports += 1
        self.check_after_import()
        return report

    def check_after_import(self) -> None:
        found = pages(self.content)
        assert self.ever_pages <= set(found), f"pages deleted: {self.ever_pages - set(found)}"
        self.ever_pages = set(found)
        taxonomy = load_taxonomy(self.content)
        listed = {paper_key(PAPERS[p]) for entries in self.digests.values() for p in entries}
        keys: dict[str, str] = {}
        for slug, text in found.items():
            model = self.models.setdefault(slug, PageModel(title=""))
            path = self.content / "papers" / f"{slug}.md"
            if model.broken is not None:
                assert path.read_bytes() == model.broken, f"broken page {slug} was changed"
                key = paper_key(model.title)
            else:
                meta, parts = read_page(text, slug)
                if not model.title:  # a new page
                    model.title, model.body = meta["title"], parts.body
                assert meta["title"] == model.title
                key = paper_key(model.title)
                assert parts.body == model.body, f"{slug}: notes changed"
                tags = [str(t) for t in meta.get("tags") or []]
                assert model.added <= set(tags), f"{slug}: tags added by hand lost: {model.added - set(tags)}"
                assert not model.removed & set(tags), (
                    f"{slug}: tags removed by hand came back: {model.removed & set(tags)}"
                )
                if key in listed:
                    auto = taxonomy.match(meta["title"], meta["abstract"])
                    assert set(auto) - model.removed <= set(tags), f"{slug}: taxonomy tags missing"
                    assert set(tags) <= set(auto) | model.added, f"{slug}: stray tags {tags}"
                assert meta.get("status") == model.status
                for name, value in model.extras.items():
                    assert meta.get(name) == value, f"{slug}: extra key {name} lost"
                for comment in model.comments:
                    assert comment in text, f"{slug}: comment {comment!r} lost"
            assert key not in keys, f"two pages for one paper: {keys.get(key)} and {slug}"
            keys[key] = slug
        for key in listed:
            assert key in keys, f"no page for {key}"

    # ----------------------------------------------------------------- hand edits

    def _page(self, index: int) -> str | None:
        usable = sorted(s for s in pages(self.content) if s in self.models and self.models[s].broken is None)
        return usable[index % len(usable)] if usable else None

    def _edit(self, slug: str, change) -> None:  # type: ignore[no-untyped-def]
        path = self.content / "papers" / f"{slug}.md"
        text = path.read_bytes().decode("utf-8")
        lines, newline = _lines(text)
        change(lines)
        path.write_bytes(newline.join(lines).encode("utf-8"))

    @rule(
        index=st.integers(0, 50),
        note=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40),
    )
    def append_note(self, index: int, note: str) -> None:
        slug = self._page(index)
        if slug is None:
            return
        path = self.content / "papers" / f"{slug}.md"
        text = path.read_bytes().decode("utf-8")
        newline = split_page(text, slug).newline
        addition = f"{newline}Note: {note}{newline}---{newline}*more* notes{newline}"
        path.write_bytes((text + addition).encode("utf-8"))
        self.models[slug].body += addition

    @rule(index=st.integers(0, 50), tag=st.sampled_from(USER_TAGS))
    def add_tag(self, index: int, tag: str) -> None:
        slug = self._page(index)
        if slug is None:
            return
        inserted: list[str] = []

        def change(lines: list[str]) -> None:
            start, end = _front_range(lines)
            i = next(i for i in range(start, end) if lines[i].startswith("tags:"))
            items = self._tag_items(lines, i)
            if tag in [lines[j][2:].strip() for j in items]:
                return  # already there: not an edit
            if lines[i].strip() == "tags: []":
                lines[i] = "tags:"
            lines.insert(i + 1, f"- {tag}")
            inserted.append(tag)

        self._edit(slug, change)
        if inserted:
            self.models[slug].added.add(tag)
            self.models[slug].removed.discard(tag)

    @staticmethod
    def _tag_items(lines: list[str], i: int) -> list[int]:
        """The lines of the `tags:` list at line i (a flow list `[a, b]` is first
        rewritten one tag per line, as a user would before editing it)."""
        inline = lines[i][len("tags:") :].split(" #")[0].strip()
        if inline:
            values = yaml.safe_load(inline) or []
            lines[i : i + 1] = ["tags: []"] if not values else ["tags:"] + [f"- {v}" for v in values]
        items = []
        for j in range(i + 1, len(lines)):
            if lines[j].startswith("- "):
                items.append(j)
            elif not lines[j].startswith("#"):
                break
        return items

    @rule(index=st.integers(0, 50), which=st.integers(0, 10))
    def remove_tag(self, index: int, which: int) -> None:
        slug = self._page(index)
        if slug is None:
            return
        removed: list[str] = []

        def change(lines: list[str]) -> None:
            start, end = _front_range(lines)
            i = next(i for i in range(start, end) if lines[i].startswith("tags:"))
            items = self._tag_items(lines, i)
            if not items:
                return
            j = items[which % len(items)]
            removed.append(lines[j][2:].strip())
            del lines[j]
            if len(items) == 1:
                lines[i] = "tags: []"

        self._edit(slug, change)
        for tag in removed:
            self.models[slug].removed.add(tag)
            self.models[slug].added.discard(tag)

    @rule(index=st.integers(0, 50), status=st.sampled_from(STATUSES))
    def set_status(self, index: int, status: str) -> None:
        slug = self._page(index)
        if slug is None:
            return

        def change(lines: list[str]) -> None:
            start, end = _front_range(lines)
            for i in range(start, end):
                if lines[i].startswith("status:"):
                    lines[i] = f"status: {status}  # set by hand"
                    return
            lines.insert(end, f"status: {status}  # set by hand")

        self._edit(slug, change)
        self.models[slug].status = status

    @rule(
        index=st.integers(0, 50),
        where=st.sampled_from(["end", "after-auto-tags", "after-tags", "after-title", "after-links"]),
    )
    def add_extra_key(self, index: int, where: str) -> None:
        slug = self._page(index)
        if slug is None:
            return
        self.counter += 1
        name, value = f"my_key_{self.counter}", f"value {self.counter}: with a colon"
        comment, standalone = f"# comment {self.counter}", f"# standalone note {self.counter}"

        def change(lines: list[str]) -> None:
            start, end = _front_range(lines)
            at = end
            if where != "end":
                key = {
                    "after-auto-tags": "auto_tags:",
                    "after-tags": "tags:",
                    "after-title": "title:",
                    "after-links": "links:",
                }[where]
                found = [i for i in range(start, end) if lines[i].startswith(key)]
                if found:
                    at = found[0] + 1
                    while at < end and (lines[at].startswith(("- ", "  "))):
                        at += 1
            lines[at:at] = [standalone, f"{name}: '{value}'  {comment}"]

        self._edit(slug, change)
        model = self.models[slug]
        model.extras[name] = value
        model.comments += [comment, standalone]

    @rule(index=st.integers(0, 50))
    def switch_to_crlf(self, index: int) -> None:
        slug = self._page(index)
        if slug is None:
            return
        path = self.content / "papers" / f"{slug}.md"
        text = path.read_bytes().decode("utf-8")
        if split_page(text, slug).newline == "\r\n":
            return
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
        self.models[slug].body = self.models[slug].body.replace("\n", "\r\n")

    @rule(index=st.integers(0, 50), bad=st.sampled_from(BROKEN_LINES), at=st.integers(1, 20))
    def break_page(self, index: int, bad: str, at: int) -> None:
        slug = self._page(index)
        if slug is None:
            return
        path = self.content / "papers" / f"{slug}.md"
        text = path.read_bytes().decode("utf-8")
        lines, newline = _lines(text)
        _, end = _front_range(lines)
        lines.insert(min(at, end), bad)
        broken = newline.join(lines).encode("utf-8")
        path.write_bytes(broken)
        self.models[slug].broken = broken
        self.models[slug].unbroken = text

    @rule(index=st.integers(0, 50))
    def fix_page(self, index: int) -> None:
        broken = sorted(s for s, m in self.models.items() if m.broken is not None)
        if not broken:
            return
        slug = broken[index % len(broken)]
        model = self.models[slug]
        (self.content / "papers" / f"{slug}.md").write_bytes(model.unbroken.encode("utf-8"))  # type: ignore[union-attr]
        model.broken = model.unbroken = None


ImportAndEdit.TestCase.settings = settings(
    max_examples=int(__import__("os").environ.get("SITEGEN_FUZZ_EXAMPLES", "120")),
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
TestImportAndEdit = ImportAndEdit.TestCase


# --------------------------------------------------------------------------- regressions (each was a bug)


def _one_paper(
    tmp_path: Path, title: str = "A Speech Model That Listens", abstract: str = ABSTRACT
) -> tuple[Path, Path]:
    content = make_content(tmp_path)
    write_digest(content, "2025-12-15-a.txt", [entry_text(title, abstract)])
    do_import(content)
    (page,) = (content / "papers").glob("*.md")
    return content, page


def _meta(page: Path) -> dict:
    return read_page(page.read_bytes().decode("utf-8"), page.name)[0]


def test_a_comment_after_the_last_list_survives_retagging(tmp_path: Path) -> None:
    """Bug: the ruamel round trip attached a comment written after `auto_tags:`'s list
    (where "add a note at the end" puts it) to the list's last item, and dropped it
    with the list when the taxonomy changed the tags."""
    content, page = _one_paper(tmp_path)
    page.write_text(
        page.read_text().replace(
            "\n---\n", "\n# why I keep this: it is my thesis topic\nproject: thesis  # chapter 2\n---\n"
        )
    )
    (content / "taxonomy.yaml").write_text(TAXONOMY_B.replace("  speech:", "  speech-x:"))
    report = do_import(content)
    assert report.updated == 1
    text = page.read_text()
    assert "# why I keep this: it is my thesis topic\n" in text and "project: thesis  # chapter 2\n" in text
    assert _meta(page)["auto_tags"] == ["speech-x"]


def test_a_comment_on_a_kept_list_item_stays_on_its_item(tmp_path: Path) -> None:
    """Bug: a comment on an item of a digest-owned list (`- a.txt  # first capture`) went with
    the old list. A new item is now added on a line of its own, so the comment stays where it was."""
    content, page = _one_paper(tmp_path)
    page.write_text(page.read_text().replace("- 2025-12-15-a.txt\n", "- 2025-12-15-a.txt  # the first capture\n"))
    write_digest(content, "2025-12-16-b.txt", [entry_text("A Speech Model That Listens", ABSTRACT)])
    do_import(content)
    text = page.read_text()
    assert "sources:\n- 2025-12-15-a.txt  # the first capture\n- 2025-12-16-b.txt\n" in text


def test_a_malformed_page_is_reported_untouched_and_not_duplicated(tmp_path: Path) -> None:
    """Bug: the paper of a page with broken front matter got a second page (`<slug>-<hash>.md`)."""
    content, page = _one_paper(tmp_path)
    broken = page.read_bytes().replace(b"\nauthors: 3\n", b"\nauthors: [3\n")
    page.write_bytes(broken)
    write_digest(content, "2025-12-15-a.txt", [entry_text("A Speech Model That Listens", ABSTRACT + " Changed.")])
    report = do_import(content)
    assert page.read_bytes() == broken
    assert sorted(p.name for p in (content / "papers").iterdir()) == [page.name]
    lines = [p for p in report.problems if p.source == f"papers/{page.name}"]
    assert any(p.line == 6 and "left untouched" in p.message for p in lines), lines
    assert any("not updated until this page is fixed" in p.message for p in lines)
    page.write_bytes(broken.replace(b"[3", b"3"))  # fixed: updated again, still one page
    assert do_import(content).updated == 1 and "Changed." in _meta(page)["abstract"]


def test_a_page_with_an_unreadable_title_line_is_still_its_papers_page(tmp_path: Path) -> None:
    content, page = _one_paper(tmp_path, title="Colliding: Title")
    broken = page.read_bytes().replace(b"title: 'Colliding: Title'", b"title: 'Colliding: Title")
    assert broken != page.read_bytes()
    page.write_bytes(broken)
    write_digest(
        content, "2025-12-15-a.txt", [entry_text("Colliding: Title", ABSTRACT), entry_text("Colliding Title", ABSTRACT)]
    )
    do_import(content)
    assert page.read_bytes() == broken
    assert len(list((content / "papers").glob("*.md"))) == 2  # the other paper's page, and no duplicate


def test_an_impossible_date_in_front_matter_is_reported_not_a_crash(tmp_path: Path) -> None:
    """Bug: `read_on: 2024-02-30` raised ValueError out of the YAML loader and stopped the import."""
    content, page = _one_paper(tmp_path)
    broken = page.read_bytes().replace(b"\n---\n", b"\nread_on: 2024-02-30\n---\n")
    page.write_bytes(broken)
    report = do_import(content)
    assert page.read_bytes() == broken
    problem = next(p for p in report.problems if p.source == f"papers/{page.name}")
    assert problem.line == 15 and "2024-02-30" in problem.message


def test_a_removed_tag_stays_removed_when_the_taxonomy_drops_and_restores_it(tmp_path: Path) -> None:
    """Bug: the removal was remembered only through `auto_tags`; once the taxonomy
    stopped giving the tag the removal was forgotten, and the tag came back with it."""
    content, page = _one_paper(tmp_path)
    page.write_text(page.read_text().replace("\ntags:\n- speech\n", "\ntags: []\n", 1))
    for taxonomy in (TAXONOMY.replace("  speech:", "  speech-x:"), TAXONOMY):
        (content / "taxonomy.yaml").write_text(taxonomy)
        do_import(content)
    assert "speech" not in _meta(page)["tags"]
    assert do_import(content).written == []


def test_an_added_tag_survives_the_taxonomy_giving_then_dropping_it(tmp_path: Path) -> None:
    """Bug: a tag added by hand that the taxonomy later gave too passed for the
    taxonomy's, and went when the taxonomy stopped giving it."""
    content, page = _one_paper(tmp_path)
    (content / "taxonomy.yaml").write_text(TAXONOMY.replace("  speech:", "  speech-x:"))
    do_import(content)
    page.write_text(page.read_text().replace("\ntags:\n- speech-x\n", "\ntags:\n- speech-x\n- speech\n", 1))
    for taxonomy in (TAXONOMY, TAXONOMY.replace("  speech:", "  speech-x:")):
        (content / "taxonomy.yaml").write_text(taxonomy)
        do_import(content)
    assert _meta(page)["tags"] == ["speech", "speech-x"]
    assert do_import(content).written == []


def test_crlf_notes_in_an_lf_page_do_not_make_it_unreadable(tmp_path: Path) -> None:
    """Bug: one CRLF anywhere (notes pasted from elsewhere) made the whole page count as
    CRLF, its `---\\n` first line unrecognised, and the page "malformed" forever."""
    content, page = _one_paper(tmp_path)
    page.write_bytes(page.read_bytes() + b"pasted\r\nnotes\r\n")
    write_digest(content, "2025-12-15-a.txt", [entry_text("A Speech Model That Listens", ABSTRACT + " Changed.")])
    report = do_import(content)
    assert report.updated == 1 and not report.problems
    assert page.read_bytes().endswith(b"---\npasted\r\nnotes\r\n")


def test_tags_that_are_not_a_list_are_left_alone(tmp_path: Path) -> None:
    """Bug: `tags: {a: 1}` was rewritten as a list holding the text "{'a': 1}"."""
    content, page = _one_paper(tmp_path)
    page.write_text(page.read_text().replace("\ntags:\n- speech\n", "\ntags: {mine: 1}\n", 1))
    (content / "taxonomy.yaml").write_text(TAXONOMY.replace("  speech:", "  speech-x:"))
    do_import(content)
    assert _meta(page)["tags"] == {"mine": 1}


# --------------------------------------------------------------------------- hostile text keeps its exact value

HOSTILE_TEXT = [
    "yes", "null", "~", "- x", ": x", "#", "# not a comment", "a #b", "&anchor", "*alias", "!!python/object:os.system",
    "!tag value", "{{ config }}", "{% raw %}x{% endraw %}", "---", "...", "--- a", "? key", "| block", "> folded",
    "'single'", '"double"', "@at", "`tick`", "%YAML 1.2", "2024-02-30", "2024-01-01", "1e3", "0x1F", "0o17", ".inf",
    "<script>alert(1)</script>", '" onmouseover="alert(1)', "javascript:alert(1)", "[link](javascript:x)",
    "a\u202eb\u202cc", "nul\x00byte", "esc\x1b[31mred", "bell\x07", "del\x7f", "c1\x9bx", "line\u2028sep", "nel\x85x",
    "tab\there", "nbsp\u00a0here", "emoji 😀", "日本語", "مرحبا", "a: b: c", "key: value # c", "[a, b]", "{a: b}",
]  # fmt: skip


def expected_text(raw: str) -> str:
    """What the parser keeps of a line: control and bidi characters dropped, odd spaces one space."""
    return clean_latex(normalise_line(raw))


@pytest.mark.parametrize("hostile", HOSTILE_TEXT)
def test_hostile_title_and_abstract_read_back_exactly(tmp_path: Path, hostile: str) -> None:
    title = f"Title {hostile} end"
    abstract = f"{ABSTRACT} Then {hostile} and more."
    content = make_content(tmp_path)
    (content / "digests" / "2025-12-15-a.txt").write_text(BOILER + entry_text(title, abstract), encoding="utf-8")
    report = do_import(content)
    assert report.papers == 1, report.problems
    (page,) = (content / "papers").glob("*.md")
    text = page.read_bytes().decode("utf-8")
    meta, parts = read_page(text, page.name)
    assert meta["title"] == expected_text(title)
    assert meta["abstract"] == expected_text(abstract)
    assert parts.body == ""
    paper = paper_from_page(text, page.stem, page.name)  # the build reads it too
    assert paper.title == expected_text(title).strip()
    # An update (new upvotes, new abstract) through the surgical editor reads back as well.
    abstract2 = f"{hostile} {ABSTRACT}"
    (content / "digests" / "2025-12-15-a.txt").write_text(
        BOILER + entry_text(title, abstract2, date="Dec 10, 2025 99"), encoding="utf-8"
    )
    assert do_import(content).updated == 1
    meta, _ = read_page(page.read_bytes().decode("utf-8"), page.name)
    assert meta["abstract"] == expected_text(abstract2) and meta["upvotes"] == 99
    assert meta["title"] == expected_text(title)


values = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(values, values, values)
def test_any_text_survives_new_page_and_update(title: str, abstract: str, abstract2: str) -> None:
    """Whatever the digest says (after the parser's clean-up), the page says exactly that,
    on the first write (PyYAML) and after an update (the surgical editor)."""
    title, abstract, abstract2 = (expected_text(v) or "x" for v in (title, abstract, abstract2))
    paper = Paper(key=paper_key(title), title=title, abstract=abstract, sources=("a.txt",), tags=("t",))
    text = new_page(paper, "2025-12-20")
    meta, _ = read_page(text, "p.md")
    assert (meta["title"], meta["abstract"]) == (title, abstract)
    text2 = update_page(text + "my notes\n", dataclasses.replace(paper, abstract=abstract2, upvotes=3), "p.md")
    if abstract2 == abstract:
        assert text2 is not None and "upvotes: 3" in text2
    meta2, parts = read_page(text2, "p.md")  # type: ignore[arg-type]
    assert (meta2["title"], meta2["abstract"], meta2["upvotes"]) == (title, abstract2, 3)
    assert parts.body == "my notes\n"
