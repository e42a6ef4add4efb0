"""Jobs and their fingerprints: what an output file is made from, digested, so an
incremental build can skip a job whose inputs are unchanged and still produce the same
bytes as a full build. No disk access and no templates: render.py describes the site's
jobs with these.

A job's fingerprint covers the template and every template it extends, includes or
imports, the configuration and the exact values handed to the template. Paper views are
digested once (value_digest) and referred to by their digest; data files made by Python
fingerprint only the facets of a view they show (FACETS).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from markupsafe import Markup

from sitegen.site import feeds
from sitegen.site.views import PaperView

Fingerprinted = tuple[str, frozenset[str], frozenset[str], frozenset[str]]
"""A job's fingerprint, the slugs of the paper views among its inputs, the names of the
facets (Facet) among them, and the slugs held as whole views (not only through facets)."""
Describe = Callable[[], Fingerprinted]
"""Computes a job's Fingerprinted."""
_NONE: frozenset[str] = frozenset()


class Job:
    """One output file, not yet rendered. Its fingerprint may be given, or computed when
    first asked for: a full build asks in the processes that render the file."""

    __slots__ = ("_describe", "_direct", "_facets", "_key", "_views", "path", "remake", "render")

    def __init__(
        self,
        path: str,
        key: str | Describe,
        render: Callable[[], bytes],
        remake: Callable[[Mapping[str, PaperView]], Job] | None = None,
    ) -> None:
        self.path = path
        """Site path, POSIX, relative to the site root."""
        self.render = render
        self.remake = remake
        """This job over the same inputs with some paper views replaced (see patch.py)."""
        self._describe = None if isinstance(key, str) else key
        self._key = key if isinstance(key, str) else None
        self._views = self._facets = self._direct = _NONE

    def _described(self) -> None:
        if self._key is None:
            self.set_fingerprint(self._describe())  # type: ignore[misc]

    @property
    def key(self) -> str:
        """Fingerprint of every input of this file."""
        self._described()
        return self._key  # type: ignore[return-value]

    @property
    def views(self) -> frozenset[str]:
        """Slugs of the paper views among its inputs (their digests are in `key`)."""
        self._described()
        return self._views

    @property
    def facets(self) -> frozenset[str]:
        """Names of the facets among its inputs (Facet)."""
        self._described()
        return self._facets

    @property
    def direct(self) -> frozenset[str]:
        """Slugs of the views among its inputs as whole views; the rest of `views` are
        held only through facets."""
        self._described()
        return self._direct

    def fingerprinted(self) -> Fingerprinted:
        self._described()
        return self._key, self._views, self._facets, self._direct  # type: ignore[return-value]

    def set_fingerprint(self, fingerprinted: Fingerprinted) -> None:
        """Record the fingerprint (computed here, or by the process that rendered the file)."""
        self._key, self._views, self._facets, self._direct = fingerprinted
        self._describe = None

    def __repr__(self) -> str:
        return f"Job({self.path!r}, key={self._key!r})"


@dataclass(frozen=True, eq=False)
class Digested:
    """A large input that fingerprints stand for by a digest of what made it: the
    related-papers table is a function of the text its digest covers."""

    digest: str
    value: Any = field(repr=False)


def value_digest(value: Any) -> str:
    """A digest of a paper view, or of what a data file takes from one (FACETS): SHA-1 of
    the value as compact JSON, each dataclass as [its type's name, its fields...] and
    Markup as ["Markup", text], so no two values that render differently share it. orjson
    writes an abstract at memory speed where repr checks each character for printability:
    about half the time of `sha1(repr(view))`, twice per paper (the view, then its facets).
    A value orjson does not take (a lone surrogate, another str subclass) is digested by its repr."""
    try:
        data = orjson.dumps(value, default=_as_json, option=_DIGEST_OPTIONS)
    except orjson.JSONEncodeError:
        data = repr(value).encode("utf-8", "surrogatepass")
    return hashlib.sha1(data).hexdigest()


_DIGEST_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
"""Dataclasses and subclasses (Markup) go to _as_json: orjson's own way would write a
dataclass's cached properties too, and Markup as a plain string."""


def _as_json(value: Any) -> Any:
    kind: type = type(value)
    if kind is Markup:
        return ("Markup", value.__str__())
    shape = _shape_of(kind)
    if shape is None:
        raise TypeError(kind.__name__)  # orjson gives up: value_digest falls back to repr
    return (shape[0], *shape[1](value))


@functools.cache
def _shape_of(kind: type) -> tuple[str, Callable[[Any], tuple[Any, ...]]] | None:
    """A dataclass's name and a function giving its fields' values in order, in one C call
    (a paper view has 30 fields); None for any other type."""
    if not dataclasses.is_dataclass(kind):
        return None
    names = [f.name for f in dataclasses.fields(kind)]
    if len(names) == 1:
        only = operator.attrgetter(names[0])
        return kind.__name__, lambda value: (only(value),)
    return kind.__name__, operator.attrgetter(*names) if names else (lambda value: ())


def _bibtex_inputs(view: PaperView) -> tuple[Any, ...]:
    """What a view's BibTeX entry is made from (views.PaperView.bibtex): cheaper to digest
    than the entry itself, and as telling."""
    return (view.cite_key, view.title, view.year, view.authors, view.author_names, view.arxiv, view.doi)


def _json_inputs(view: PaperView) -> tuple[Any, ...]:
    """What a view's papers.json entry is made from (feeds.json_data, but for the related
    papers, which the job holds apart): the same fields, without building the entry."""
    return (
        view.slug,
        view.url,
        view.title,
        view.abstract,
        view.date,
        view.date_written,
        view.authors,
        view.upvotes,
        tuple([tag.id for tag in view.tags]),
        view.status,
        view.rating,
        view.added,
        view.read_on,
        tuple([source.id for source in view.sources]),
        tuple([(link.url, link.kind) for link in view.links]),
        view.author_names,
        view.arxiv,
        view.doi,
    )


FACETS: dict[str, Callable[[PaperView], Any]] = {
    "bibtex": _bibtex_inputs,
    "feed": feeds.feed_entry,
    "json": _json_inputs,
}
"""What data files (made by Python, not templates) take from a paper's view, by name."""


@dataclass(frozen=True, eq=False)
class Facet:
    """One facet (FACETS[name]) of each of `views`: a data file's input that its
    fingerprint covers by that facet alone. papers.json does not show notes, so a note
    written in a paper leaves its fingerprint as it was, and it is not made again."""

    name: str
    views: tuple[PaperView, ...]

    def values(self) -> list[Any]:
        return list(map(FACETS[self.name], self.views))


class Fingerprint:
    """Stable digests of template inputs. Paper views are hashed once and referred to
    by their digest, so a listing of 20 papers costs 20 lookups, not 20 reprs."""

    def __init__(self, view_keys: dict[int, str], base: str) -> None:
        self.view_keys = view_keys
        """id(view) -> digest of its repr."""
        self.base = base.encode()
        """Digest of what every page shares (configuration, navigation)."""
        self.seen: set[str] = set()
        """Slugs of the views met by the last `key` call, as whole views or in facets."""
        self.direct: set[str] = set()
        """Slugs of the views met by the last `key` call as whole views."""
        self.facets: set[str] = set()
        """Names of the facets met by the last `key` call."""
        self.facet_keys: dict[tuple[str, int], tuple[PaperView, str]] = {}
        """(facet name, id(view)) -> (the view, kept so its id is not reused; the facet's digest)."""

    def facet_key(self, name: str, view: PaperView) -> str:
        known = self.facet_keys.get((name, id(view)))
        if known is None:
            digest = value_digest(FACETS[name](view))
            known = self.facet_keys[name, id(view)] = (view, digest)
        return known[1]

    def forget(self, view: PaperView) -> None:
        """Drop what is known of a view that was replaced."""
        del self.view_keys[id(view)]
        for name in FACETS:
            self.facet_keys.pop((name, id(view)), None)

    def flat(self, value: Any) -> Any:
        """The value with every paper view replaced by its digest; its JSON, written as
        value_digest writes a value (repr where JSON cannot be), is the key.
        A view is only ever found as a value, or in a tuple, list or dict (swap_views
        walks the same shapes), never inside another object."""
        kind = type(value)
        if kind in _LEAVES:
            return value
        if kind is PaperView:
            self.direct.add(value.slug)
            return self.view_keys[id(value)]
        if kind is tuple or kind is list:
            if value and type(value[0]) is PaperView and set(map(type, value)) == _JUST_VIEWS:
                # A listing, every paper: the common case, done without recursion.
                self.direct.update(map(_slug, value))
                return tuple(map(self.view_keys.__getitem__, map(id, value)))
            return tuple([item if type(item) in _LEAVES else self.flat(item) for item in value])
        if kind is dict:  # built in a fixed order by this module, so no sorting needed
            return tuple([(k, v if type(v) in _LEAVES else self.flat(v)) for k, v in value.items()])
        if kind is Digested:
            return ("Digested", value.digest)
        if kind is Facet:
            self.seen.update(map(_slug, value.views))
            self.facets.add(value.name)
            return ("Facet", value.name, tuple([self.facet_key(value.name, view) for view in value.views]))
        return value  # str, Markup, numbers, None, small frozen dataclasses: written whole

    def key(self, *parts: Any) -> Fingerprinted:
        """The fingerprint of `parts`, and what it holds (see Fingerprinted). The flattened
        parts are written by orjson, as value_digest writes a view (a paper page's 700
        characters in under a microsecond, where repr took 3.4 us)."""
        self.seen, self.direct, self.facets = set(), set(), set()
        flat = self.flat(parts)
        try:
            data = orjson.dumps(flat, default=_as_json, option=_DIGEST_OPTIONS)
        except orjson.JSONEncodeError:
            data = repr(flat).encode("utf-8", "surrogatepass")
        digest = hashlib.sha1(self.base + data).hexdigest()
        direct = frozenset(self.direct) if self.direct else _NONE
        if not self.facets:
            return digest, direct, _NONE, direct
        return digest, frozenset(self.seen | self.direct), frozenset(self.facets), direct


_slug = operator.attrgetter("slug")
_JUST_VIEWS = {PaperView}
_LEAVES = frozenset({str, int, float, bool, type(None), Markup})
"""Values that flat returns as they are (and need not be called for)."""


def swap_views(value: Any, new: Mapping[str, PaperView]) -> Any:
    """`value` with each paper view whose slug is in `new` replaced by that view; the
    same walk as Fingerprint.flat."""
    kind = type(value)
    if kind is PaperView:
        return new.get(value.slug, value)
    if kind is tuple:
        if value and type(value[0]) is PaperView and set(map(type, value)) == _JUST_VIEWS:
            return tuple(map(new.get, map(_slug, value), value))
        return tuple([swap_views(item, new) for item in value])
    if kind is list:
        return [swap_views(item, new) for item in value]
    if kind is dict:
        return {k: swap_views(v, new) for k, v in value.items()}
    if kind is Facet:
        return Facet(value.name, swap_views(value.views, new))
    return value
