"""The README is the front door: its reference tables must match the code."""

from __future__ import annotations

from pathlib import Path

from netkit_cli.reference import BEGIN, END, generate

README = Path(__file__).parents[1] / "README.md"


def test_readme_reference_tables_are_generated_from_the_current_code():
    text = README.read_text(encoding="utf-8")
    current = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    assert current == "\n" + generate(), "run `make reference` and commit README.md"


def test_readme_gives_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "make up" in text and "make test" in text


def test_no_cell_of_the_reference_is_blank():
    blank = [
        line
        for line in generate().splitlines()
        if line.startswith("|") and any(not cell.strip() for cell in line.strip("|").split("|"))
    ]
    assert blank == [], "describe every input, output and rule config (docstring under the field)"
