"""Data files fingerprint only the facets of a paper's view they show (render.FACETS).
A facet must change whenever what the file prints for the paper changes, or an
incremental build would keep a stale papers.json, papers.bib or feed."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from markupsafe import Markup

from sitegen.build.render import FACETS, value_digest
from sitegen.site import feeds
from sitegen.site.views import LinkView, PaperView, TagView

VIEW = PaperView(
    slug="a-paper",
    title="A Paper",
    url="papers/a-paper/index.html",
    abstract="An abstract.",
    date="2024-03-01",
    date_display="Mar 1, 2024",
    date_written="Mar 1, 2024",
    year="2024",
    authors=3,
    upvotes=7,
    tags=(TagView("moe", "Mixture of experts", "tags/moe/index.html"),),
    status="reading",
    status_label="Reading",
    rating=4,
    read_on="2024-04-01",
    added="2024-03-02",
    notes_html="<p>note</p>",
    links=(LinkView("https://github.com/a/b", "Code", "code"),),
    sources=(TagView("d.txt", "d.txt", "digests/d/index.html"),),
    is_new=True,
    cite_key="apaper2024",
    author_names=("Ann Lee", "Bo Chen"),
    arxiv="2403.06563",
    arxiv_version=2,
    doi="10.1000/x",
    pdf="https://arxiv.org/pdf/2403.06563",
    hf="https://huggingface.co/papers/2403.06563",
)

OTHER: dict[type, Any] = {
    str: "something else",
    int: 11,
    bool: False,
}


def changed_views() -> list[tuple[str, PaperView]]:
    """VIEW with one field changed at a time (tags, links and sources in each of their parts)."""
    out = []
    for field in dataclasses.fields(PaperView):
        value = getattr(VIEW, field.name)
        if isinstance(value, tuple) and isinstance(value[0], str):
            out.append((field.name, dataclasses.replace(VIEW, **{field.name: (*value[:-1], "Someone Else")})))
            out.append((f"{field.name} (none)", dataclasses.replace(VIEW, **{field.name: ()})))
        elif isinstance(value, tuple):
            item = value[0]
            for part in dataclasses.fields(item):
                other = dataclasses.replace(item, **{part.name: OTHER[type(getattr(item, part.name))]})
                out.append((f"{field.name}.{part.name}", dataclasses.replace(VIEW, **{field.name: (other,)})))
            out.append((f"{field.name} (none)", dataclasses.replace(VIEW, **{field.name: ()})))
        else:
            out.append((field.name, dataclasses.replace(VIEW, **{field.name: OTHER[type(value)]})))
            if "None" in str(field.type):
                out.append((f"{field.name} (None)", dataclasses.replace(VIEW, **{field.name: None})))
    return out


PRINTED = {
    "json": feeds.json_data,
    "bibtex": lambda view: view.bibtex,
    "feed": feeds.feed_entry,
}


@pytest.mark.parametrize("facet", sorted(FACETS))
@pytest.mark.parametrize(("changed", "view"), changed_views(), ids=[name for name, _ in changed_views()])
def test_a_facet_changes_when_what_its_file_prints_changes(facet: str, changed: str, view: PaperView) -> None:
    if PRINTED[facet](view) != PRINTED[facet](VIEW):
        assert FACETS[facet](view) != FACETS[facet](VIEW), f"{facet} misses a change of {changed}"
        assert value_digest(FACETS[facet](view)) != value_digest(FACETS[facet](VIEW)), f"{facet}'s digest misses it"


@pytest.mark.parametrize(("changed", "view"), changed_views(), ids=[name for name, _ in changed_views()])
def test_a_view_digest_changes_with_every_field(changed: str, view: PaperView) -> None:
    assert value_digest(view) != value_digest(VIEW), f"the view's digest misses a change of {changed}"


def test_value_digest_is_of_the_value_and_its_types() -> None:
    assert value_digest(dataclasses.replace(VIEW)) == value_digest(VIEW)  # equal views, equal digests
    assert value_digest(("<b>x</b>",)) != value_digest((Markup("<b>x</b>"),))  # text is escaped, Markup is not
    assert value_digest((1,)) != value_digest((1.0,)) != value_digest((True,)) != value_digest(("1",))
    assert value_digest((None,)) != value_digest(("None",))
    fresh = dataclasses.replace(VIEW)
    before = value_digest(fresh)
    assert fresh.excerpt  # a cached property, kept on the instance: not a field, not digested
    assert value_digest(fresh) == before
    # what orjson refuses is digested by its repr: still told apart
    assert value_digest("\ud800") != value_digest("\ud801")


def test_every_facet_is_checked() -> None:
    assert set(PRINTED) == set(FACETS)
    # and a note, which no data file prints, leaves every facet as it was
    noted = dataclasses.replace(VIEW, notes_html="<p>another note</p>")
    assert all(FACETS[name](noted) == FACETS[name](VIEW) for name in FACETS)
