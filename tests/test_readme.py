"""The README is the front door: short, the two commands first, every topic a page of docs/."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"


def test_readme_gives_the_two_commands_in_order():
    text = README.read_text(encoding="utf-8")
    assert "make up" in text and "make test" in text
    assert text.index("make up") < text.index("make test")


def test_readme_stays_a_front_door_of_about_150_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 160, f"README.md has {len(lines)} lines; move topics to docs/"


def test_readme_links_every_page_of_docs():
    text = README.read_text(encoding="utf-8")
    unlinked = [
        page.name for page in sorted((ROOT / "docs").glob("*.md")) if f"(docs/{page.name})" not in text
    ]
    assert unlinked == [], "add them to the README's table of contents"
