"""`sitegen enrich` against a local fake of Hugging Face's and arXiv's APIs.

The fake answers as the services do: JSON paper search results (a list of objects
whose `paper` has `id`, `title`, `authors[].name`, `publishedAt`, `upvotes`), the arXiv
API's Atom feed, and on demand 429 with Retry-After, a stall longer than the client's
timeout, or a malformed body. No test reaches the internet.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from sitegen.build.pipeline import Project, build
from sitegen.cli import main as sitegen_main
from sitegen.ingest import lookup
from sitegen.ingest.enrich import arxiv_candidates, choose, hf_candidates
from tests.test_lost_words import make_list
from tests.test_reading_cli import AR, FP, MONET

FP_TITLE = "Scaling Laws for Floating Point Quantization Training"
AR_TITLE = "Scaling Laws for Autoregressive Generative Modeling"
MONET_TITLE = "Monet: Mixture of Monosemantic Experts for Transformers"


def hf_paper(arxiv: str, title: str, authors: list[str], published: str = "2025-01-05T10:00:00.000Z") -> dict:
    return {
        "paper": {
            "id": arxiv,
            "title": title,
            "summary": "An abstract.",
            "authors": [{"_id": f"a{i}", "name": name, "hidden": False} for i, name in enumerate(authors)],
            "publishedAt": published,
            "upvotes": 12,
        },
        "publishedAt": published,
        "title": title,
        "numComments": 0,
    }


def atom(*entries: tuple[str, str, list[str]]) -> bytes:
    items = "".join(
        f"<entry><id>http://arxiv.org/abs/{arxiv}v2</id><published>2024-12-05T18:00:00Z</published>"
        f"<title>{title}</title>{''.join(f'<author><name>{a}</name></author>' for a in authors)}"
        f'<link title="pdf" href="http://arxiv.org/pdf/{arxiv}v2" rel="related"/></entry>'
        for arxiv, title, authors in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">{items}</feed>'.encode()


class Fake:
    """Answers by query: `hf[title]` / `arxiv[title]` is a JSON-able list, bytes, or an
    action: ("429", seconds, then) answers 429 once then `then`; ("stall", seconds)."""

    def __init__(self) -> None:
        self.hf: dict[str, Any] = {}
        self.arxiv: dict[str, Any] = {}
        self.seen: list[tuple[float, str, str, str]] = []  # (time, service, query, user agent)
        self.limited: set[str] = set()
        self.by_id: dict[str, dict] = {}

    def answer(self, service: str, query: str) -> tuple[int, dict[str, str], bytes, float]:
        table = self.hf if service == "hf" else self.arxiv
        spec = table.get(query, [] if service == "hf" else atom())
        if isinstance(spec, tuple) and spec[0] == "429":
            if query not in self.limited:
                self.limited.add(query)
                return 429, {"Retry-After": str(spec[1])}, b'{"error":"rate limited"}', 0
            spec = spec[2]
        if isinstance(spec, tuple) and spec[0] == "stall":
            return 200, {}, b"[]", spec[1]
        body = spec if isinstance(spec, bytes) else json.dumps(spec).encode()
        return 200, {"Content-Type": "application/json"}, body, 0


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fake]:
    state = Fake()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if url.path.startswith("/api/papers/") and url.path != "/api/papers/search":
                key = url.path.removeprefix("/api/papers/")
                state.seen.append((time.monotonic(), "hf-id", key, self.headers.get("User-Agent", "")))
                found = state.by_id.get(key)
                body = json.dumps(found["paper"]).encode() if found else b'{"error":"Paper not found"}'
                self.send_response(200 if found else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if url.path == "/api/query" and "id_list" in query:
                service, key = "arxiv", "id:" + query["id_list"][0]
            elif url.path == "/api/papers/search":
                service, key = "hf", query["q"][0]
            elif url.path == "/api/query":
                service, key = "arxiv", query["search_query"][0].removeprefix('ti:"').removesuffix('"')
            else:
                self.send_error(404)
                return
            state.seen.append((time.monotonic(), service, key, self.headers.get("User-Agent", "")))
            status, headers, body, stall = state.answer(service, key)
            if stall:
                time.sleep(stall)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("HF_ENDPOINT", base)
    monkeypatch.setenv("SITEGEN_ARXIV_ENDPOINT", base)
    monkeypatch.setenv("SITEGEN_LOOKUP_INTERVAL", "0")
    monkeypatch.setenv("SITEGEN_LOOKUP_TIMEOUT", "0.5")
    monkeypatch.setattr(lookup, "BACKOFF", 0.01)
    yield state
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused, as with no network."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        return closed.getsockname()[1]


def front(content: Path, slug: str) -> dict:
    return yaml.safe_load((content / "papers" / f"{slug}.md").read_text(encoding="utf-8").split("---\n")[1])


def enrich(tmp_path: Path, content: Path, *extra: str) -> int:
    return sitegen_main(["enrich", "--content", str(content), "--cache", str(tmp_path / "cache"), *extra])


def snapshot(content: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted((content / "papers").iterdir())}


def all_found(fake: Fake) -> None:
    fake.hf[FP_TITLE] = [hf_paper("2501.02423", FP_TITLE, ["Xingwu Sun", "Shuaipeng Li"])]
    fake.hf[AR_TITLE] = [hf_paper("2010.14701", AR_TITLE, ["Tom Henighan", "Jared Kaplan"], "2020-10-28T00:00:00Z")]
    fake.hf[MONET_TITLE] = [
        hf_paper("2412.04139", MONET_TITLE, ["Jungwoo Park"]),
        hf_paper("2412.09999", "Monet: Something Else Entirely", ["Someone"]),
    ]


def test_all_match_writes_the_facts_and_a_rerun_asks_nothing(tmp_path: Path, fake: Fake, capsys) -> None:
    content = make_list(tmp_path)
    all_found(fake)
    notes = content / "papers" / f"{MONET}.md"
    notes.write_text(notes.read_text(encoding="utf-8") + "\nMy notes stay.\n", encoding="utf-8")

    assert enrich(tmp_path, content) == 0
    out = capsys.readouterr().out
    assert "3 papers looked up: 3 matched, 0 ambiguous, 0 not found, 0 failed; 3 pages written, 3 requests sent" in out
    fp = front(content, FP)
    assert fp["arxiv"] == "2501.02423"
    assert fp["authors"] == ["Xingwu Sun", "Shuaipeng Li"]
    assert str(fp["published"]) == "2025-01-05"
    assert fp["pdf"] == "https://arxiv.org/pdf/2501.02423"
    assert fp["hf"] == "https://huggingface.co/papers/2501.02423"
    assert front(content, MONET)["arxiv"] == "2412.04139"
    assert "My notes stay." in notes.read_text(encoding="utf-8")
    assert all(agent.startswith("sitegen/") for *_, agent in fake.seen)

    requests = len(fake.seen)
    before = snapshot(content)
    assert enrich(tmp_path, content) == 0  # nothing is missing any more: nothing looked up
    assert "0 papers looked up" in capsys.readouterr().out
    assert len(fake.seen) == requests and snapshot(content) == before


def test_a_rerun_answers_from_the_cache(tmp_path: Path, fake: Fake, capsys) -> None:
    content = make_list(tmp_path)
    all_found(fake)
    assert enrich(tmp_path, content, "--dry-run") == 0
    asked = len(fake.seen)
    assert asked == 3
    assert all(front(content, slug).get("arxiv") is None for slug in (FP, AR, MONET))  # dry run
    assert enrich(tmp_path, content) == 0
    assert len(fake.seen) == asked  # every answer came from .sitegen-cache/lookups/
    assert "0 requests sent" in capsys.readouterr().out
    assert front(content, AR)["arxiv"] == "2010.14701"


def test_the_site_builds_with_the_facts(tmp_path: Path, fake: Fake) -> None:
    content = make_list(tmp_path)
    all_found(fake)
    assert enrich(tmp_path, content) == 0
    report = build(Project(content=content, templates=tmp_path / "none", output=tmp_path / "site"), search=False)
    assert not [p for p in report.problems if "papers/" in p.source]
    assert (tmp_path / "site" / "papers" / FP / "index.html").is_file()


def test_ambiguous_and_near_matches(tmp_path: Path, fake: Fake, capsys) -> None:
    content = make_list(tmp_path)
    # Two papers of one title: listed, not guessed.
    fake.hf[FP_TITLE] = [hf_paper("2501.00001", FP_TITLE, ["A"]), hf_paper("2501.00002", FP_TITLE, ["B"])]
    # A near title (a typo), and the page knows no authors: listed.
    fake.hf[AR_TITLE] = [hf_paper("2010.14701", "Scaling Laws for Autoregresive Generative Modeling", ["T H"])]
    fake.hf[MONET_TITLE] = []
    before = snapshot(content)
    assert enrich(tmp_path, content, "--service", "hf") == 0
    out = capsys.readouterr().out
    assert "ambiguous: " + FP in out and "2501.00001" in out and "2501.00002" in out
    assert "ambiguous: " + AR in out
    assert "0 matched, 2 ambiguous, 1 not found, 0 failed; 0 pages written" in out
    assert snapshot(content) == before


def test_a_near_title_with_the_same_author_count_is_the_paper(tmp_path: Path, fake: Fake) -> None:
    content = make_list(tmp_path)
    page = content / "papers" / f"{AR}.md"
    page.write_text(page.read_text(encoding="utf-8").replace("title:", "authors: 2\ntitle:", 1), encoding="utf-8")
    fake.hf[AR_TITLE] = [hf_paper("2010.14701", "Scaling Laws for Autoregresive Generative Modeling", ["T H", "J K"])]
    assert enrich(tmp_path, content, "--service", "hf") == 0
    assert front(content, AR)["authors"] == ["T H", "J K"]


def test_429_with_retry_after_is_waited_for(tmp_path: Path, fake: Fake, capsys) -> None:
    content = make_list(tmp_path)
    all_found(fake)
    fake.hf[FP_TITLE] = ("429", 1, fake.hf[FP_TITLE])
    assert enrich(tmp_path, content) == 0
    asks = [t for t, service, query, _ in fake.seen if query == FP_TITLE]
    assert len(asks) == 2 and asks[1] - asks[0] >= 0.9
    assert front(content, FP)["arxiv"] == "2501.02423"


def test_timeouts_and_malformed_answers_fail_that_paper_only(tmp_path: Path, fake: Fake, capsys) -> None:
    content = make_list(tmp_path)
    all_found(fake)
    fake.hf[FP_TITLE] = ("stall", 1.5)  # longer than the 0.5 s timeout, every time
    fake.hf[AR_TITLE] = b"<html>Service unavailable</html>"
    fake.arxiv[AR_TITLE] = b"<feed"  # malformed XML
    assert enrich(tmp_path, content) == 1
    out = capsys.readouterr().out
    assert f"failed: {AR}: hf: not JSON" in out and "arxiv: not XML" in out
    assert f"failed: {FP}: hf: no answer within 0.5 s after 4 attempts" in out
    assert "1 matched, 0 ambiguous, 0 not found, 2 failed; 1 page written" in out
    assert front(content, MONET)["arxiv"] == "2412.04139"
    assert "arxiv" not in front(content, FP)


def test_the_arxiv_api_is_asked_when_hugging_face_knows_nothing(tmp_path: Path, fake: Fake) -> None:
    content = make_list(tmp_path)
    fake.arxiv[FP_TITLE] = atom(
        ("2501.02423", "Scaling Laws for Floating Point\n  Quantization Training", ["Xingwu Sun"])
    )
    assert enrich(tmp_path, content) == 0
    assert front(content, FP)["arxiv"] == "2501.02423"
    assert [s for _, s, q, _ in fake.seen if q == FP_TITLE] == ["hf", "arxiv"]


def test_no_network_changes_nothing(tmp_path: Path, monkeypatch, capsys) -> None:
    content = make_list(tmp_path)
    port = closed_port()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("SITEGEN_LOOKUP_INTERVAL", "0")
    before = snapshot(content)
    assert enrich(tmp_path, content) == 2
    err = capsys.readouterr().err
    assert f"cannot reach 127.0.0.1:{port}" in err and "nothing changed" in err
    assert snapshot(content) == before


def test_answers_parse_as_documented() -> None:
    found = hf_candidates(json.dumps([hf_paper("2403.12345", "A  Title", ["X Y"])]).encode())
    assert found[0].arxiv == "2403.12345" and found[0].title == "A Title" and found[0].authors == ("X Y",)
    assert found[0].published == "2025-01-05" and found[0].upvotes == 12
    parsed = arxiv_candidates(atom(("hep-th/9901001", "Old Style", ["Q"])))
    assert parsed[0].arxiv == "hep-th/9901001"
    assert choose("old style.", parsed, None, None).match == parsed[0]


def test_a_reimport_keeps_the_looked_up_facts(tmp_path: Path, fake: Fake) -> None:
    content = make_list(tmp_path)
    all_found(fake)
    assert enrich(tmp_path, content) == 0
    before = snapshot(content)
    # The digest changes (an abstract edited): the import updates the page, and keeps the facts.
    digest = content / "digests" / "2024-12-15.txt"
    digest.write_text(digest.read_text(encoding="utf-8").replace("We find a unified", "We find one"), encoding="utf-8")
    assert sitegen_main(["import", "-q", "--content", str(content)]) == 0
    assert snapshot(content) != before
    fp = front(content, FP)
    assert "We find one" in fp["abstract"]
    assert fp["authors"] == ["Xingwu Sun", "Shuaipeng Li"] and fp["arxiv"] == "2501.02423"


# --------------------------------------------------------------------------- sitegen add


def test_add_by_id_online_then_nothing_twice(tmp_path: Path, fake: Fake, capsys) -> None:
    content = make_list(tmp_path)
    fake.by_id["2403.12345"] = hf_paper(
        "2403.12345", "Mixture of Depths for Scaling Laws", ["Ada Lovelace", "Alan Turing"]
    )
    assert (
        sitegen_main(
            [
                "add",
                "https://huggingface.co/papers/2403.12345",
                "--content",
                str(content),
                "--cache",
                str(tmp_path / "c"),
            ]
        )
        == 0
    )
    slug = "mixture-of-depths-for-scaling-laws"
    assert f"{slug}: added (found on hf)" in capsys.readouterr().out
    page = front(content, slug)
    assert page["title"] == "Mixture of Depths for Scaling Laws"
    assert page["arxiv"] == "2403.12345" and page["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert page["abstract"] == "An abstract." and "scaling-laws" in page["tags"]
    assert sitegen_main(["add", "arXiv:2403.12345v2", "--content", str(content), "--cache", str(tmp_path / "c")]) == 0
    assert "already in the list" in capsys.readouterr().out
    # A re-import keeps the hand-added paper without a 'no digest lists it' warning.
    assert sitegen_main(["import", "--content", str(content)]) == 0
    assert "no digest lists" not in capsys.readouterr().out
    assert front(content, slug)["arxiv"] == "2403.12345"


def test_add_offline_then_enrich_by_id_names_it(tmp_path: Path, fake: Fake, capsys) -> None:
    content = make_list(tmp_path)
    assert sitegen_main(["add", "2501.00042", "--offline", "--content", str(content)]) == 0
    page = front(content, "arxiv-2501-00042")
    assert page["title"] == "arXiv:2501.00042" and page["pdf"] == "https://arxiv.org/pdf/2501.00042"
    all_found(fake)
    fake.by_id["2501.00042"] = hf_paper("2501.00042", "A Named Paper", ["Grace Hopper"])
    assert enrich(tmp_path, content) == 0
    named = front(content, "arxiv-2501-00042")
    assert named["title"] == "A Named Paper" and named["authors"] == ["Grace Hopper"]
    assert [q for _, s, q, _ in fake.seen if s == "hf-id"] == ["2501.00042"]


def test_add_refuses_what_is_not_an_id(tmp_path: Path, capsys) -> None:
    content = make_list(tmp_path)
    assert sitegen_main(["add", "not a paper", "--content", str(content)]) == 2
    assert "is not an arXiv id" in capsys.readouterr().err


def test_add_without_network_writes_the_id_only_page(tmp_path: Path, monkeypatch, capsys) -> None:
    content = make_list(tmp_path)
    port = closed_port()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("SITEGEN_LOOKUP_INTERVAL", "0")
    assert sitegen_main(["add", "2501.00043", "--content", str(content), "--cache", str(tmp_path / "c")]) == 0
    assert "cannot reach" in capsys.readouterr().out
    assert front(content, "arxiv-2501-00043")["arxiv"] == "2501.00043"
