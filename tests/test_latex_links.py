"""LaTeX remnants cleaned for reading; links found in abstracts, cleaned and classified."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.core.latex import clean_latex
from sitegen.core.links import classify, find_links
from sitegen.core.models import Link
from sitegen.ingest.digest import parse_digest
from sitegen.ingest.papers import merge_digests
from sitegen.pagefile.pages import new_page, read_page
from sitegen.taxonomy.tags import EMPTY

DIGESTS = Path(__file__).resolve().parent / "fixtures" / "digests"

# ----------------------------------------------------------------------------- LaTeX


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("improves performance by over 16\\% compared", "improves performance by over 16% compared"),
        ("known as the ``time to first token'', or TTFT", "known as the \u201ctime to first token\u201d, or TTFT"),
        ("termed ``scaling law crossover,'' where", "termed \u201cscaling law crossover,\u201d where"),
        ("a hyper-parameter delta ({\\delta}) that", "a hyper-parameter delta (\u03b4) that"),
        (
            "batch-agnostic norm layers, \\ie, group or layer norm",
            "batch-agnostic norm layers, i.e., group or layer norm",
        ),
        ("many tasks, \\eg translation", "many tasks, e.g. translation"),
        ('a na\\"ive baseline', "a na\u00efve baseline"),
        ("R\\&D and C\\# and snake\\_case", "R&D and C# and snake_case"),
        ("learning rate \\alpha and {\\beta}", "learning rate \u03b1 and \u03b2"),
        ("$(N_c/N)^{\\alpha_N}$", "$(N_c/N)^{\u03b1_N}$"),
    ],
)
def test_latex_remnants_are_cleaned(raw, clean):
    assert clean_latex(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        "a framework called <projektor>, which predicts model performance",
        "introducing a novel *two-stage* performance inference process",
        'power-law exponents---the "steepness" of the learning curve',
        "\\textbf{bold} and \\cite{x} stay as written",
        "an unclosed ``quote stays",
        "\\iex and \\deltas are not the macros",
        "back\\slash and 100% and `code`",
    ],
)
def test_everything_else_is_kept_as_written(text):
    assert clean_latex(text) == text


def test_markup_lookalikes_reach_the_page_as_written():
    """`<projektor>` and `*two-stage*` are text: parsed, merged and written to the page
    unchanged, and read back unchanged."""
    digest = parse_digest((DIGESTS / "hf-daily-papers-mar-12.txt").read_text(encoding="utf-8"), "b.txt")
    paper = next(p for p in merge_digests([digest], EMPTY) if p.title.startswith("Performance Scaling"))
    assert paper.abstract.count("<projektor>") == 3
    assert "a novel *two-stage* performance" in paper.abstract
    page = new_page(paper, "2025-12-20")
    assert "called <projektor>, which" in page and "*two-stage*" in page
    meta, _ = read_page(page, "x.md")
    assert meta["abstract"] == paper.abstract


# ----------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        (
            "Code and pretrained checkpoints are available at https://github.com/dmis-lab/Monet.",
            ["https://github.com/dmis-lab/Monet"],
        ),
        (
            "Code is available at https://github.com/JiaxiLi1/LOST-Low-rank-and-Sparse-Training-for-Large-Language-Models{LOST Repo}",
            ["https://github.com/JiaxiLi1/LOST-Low-rank-and-Sparse-Training-for-Large-Language-Models"],
        ),
        ("(see https://x.org/a)", ["https://x.org/a"]),
        ("(see https://x.org/a).", ["https://x.org/a"]),
        (
            "the code (https://github.com/odegeasslbc/FastGAN-pytorch), is",
            ["https://github.com/odegeasslbc/FastGAN-pytorch"],
        ),
        ("https://en.wikipedia.org/wiki/Foo_(bar) is balanced", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("at https://github.com/TerrysLearning/TTSnap/.", ["https://github.com/TerrysLearning/TTSnap/"]),
        (
            "Is it https://a.org/x? Yes; https://b.org/y, and https://c.org/z!",
            ["https://a.org/x", "https://b.org/y", "https://c.org/z"],
        ),
        ('"https://q.org/p" and <https://r.org/s>', ["https://q.org/p", "https://r.org/s"]),
        ("*https://s.org/t*: bold", ["https://s.org/t"]),
        ("https://a.org/x and again https://a.org/x.", ["https://a.org/x"]),
        ("ftp://files.org/x, mailto:x@y.org and http:// alone", []),
        (
            "Code: https://github.com/selfsupervised-ai/Natural-GaLore.git",
            ["https://github.com/selfsupervised-ai/Natural-GaLore.git"],
        ),
    ],
)
def test_links_are_found_and_trimmed(text, urls):
    assert [link.url for link in find_links(text)] == urls


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/dmis-lab/Monet", "code"),
        ("https://www.github.com/a/b", "code"),
        ("https://GitHub.com/a/b", "code"),
        ("https://gitlab.com/a/b", "code"),
        ("https://bitbucket.org/a/b", "code"),
        ("https://huggingface.co/org/model", "code"),
        ("https://mgwillia.github.io/ilf", "project"),
        ("https://tianyuanzhang.com/projects/ttt-done-right", "project"),
        ("https://arxiv.org/abs/2401.00001", "project"),
        ("https://github.com.evil.org/x", "project"),
    ],
)
def test_link_classification(url, kind):
    assert classify(url) == kind


def test_links_of_the_fixture_papers():
    digests = [
        parse_digest((DIGESTS / name).read_text(encoding="utf-8"), name)
        for name in ("2025-12-15-daily-papers.txt", "hf-daily-papers-mar-12.txt")
    ]
    links = {p.title: p.links for p in merge_digests(digests, EMPTY)}
    assert links["Monet: Mixture of Monosemantic Experts for Transformers"] == (
        Link("https://github.com/dmis-lab/Monet", "code"),
    )
    assert links["LOST: Low-rank and Sparse Pre-training for Large Language Models"] == (
        Link("https://github.com/JiaxiLi1/LOST-Low-rank-and-Sparse-Training-for-Large-Language-Models", "code"),
    )
    assert links["TTSnap: Test-Time Scaling of Diffusion Models via Noise-Aware Pruning"] == (
        Link("https://github.com/TerrysLearning/TTSnap/", "code"),
    )
    assert links["GLM-130B: An Open Bilingual Pre-trained Model"] == (
        Link("https://github.com/THUDM/GLM-130B", "code"),
    )
    assert links["One Epoch Is All You Need"] == ()
