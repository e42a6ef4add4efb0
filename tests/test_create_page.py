"""A new page is written whole and never over a file that exists (pagewrite.create_page)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sitegen.pagefile.pagewrite import create_page


def test_a_new_page_is_written_whole_with_no_temporary_file_left(tmp_path: Path) -> None:
    data = "---\ntitle: Ä paper\n---\n".encode() * 5000  # larger than one write may take
    old = os.umask(0o077)
    try:
        assert create_page(tmp_path / "a-paper.md", data)
    finally:
        os.umask(old)
    assert (tmp_path / "a-paper.md").read_bytes() == data
    assert (tmp_path / "a-paper.md").stat().st_mode & 0o777 == 0o644  # whatever the umask
    assert [p.name for p in tmp_path.iterdir()] == ["a-paper.md"]


def test_a_file_that_exists_is_never_replaced(tmp_path: Path) -> None:
    page = tmp_path / "a-paper.md"
    page.write_bytes(b"the user's own page\n")
    assert not create_page(page, b"---\ntitle: new\n---\n")
    assert page.read_bytes() == b"the user's own page\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a-paper.md"]


def test_of_writers_racing_for_one_name_exactly_one_wins(tmp_path: Path) -> None:
    page = tmp_path / "raced.md"
    start = threading.Barrier(8)
    won: list[bytes] = []

    def writer(n: int) -> None:
        data = f"writer {n}\n".encode() * 1000
        start.wait()
        if create_page(page, data):
            won.append(data)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert page.read_bytes() == won[0]
    assert [p.name for p in tmp_path.iterdir()] == ["raced.md"]
