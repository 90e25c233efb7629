"""docs/reference.md's tables are generated from the code and must match it."""

from __future__ import annotations

from pathlib import Path

from netkit_cli.reference import BEGIN, END, PAGE, generate

REFERENCE = Path(__file__).parents[1] / PAGE


def test_the_reference_tables_are_generated_from_the_current_code():
    text = REFERENCE.read_text(encoding="utf-8")
    current = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    assert current == "\n" + generate(), f"run `make reference` and commit {PAGE}"


def test_no_cell_of_the_reference_is_blank():
    blank = [
        line
        for line in generate().splitlines()
        if line.startswith("|") and any(not cell.strip() for cell in line.strip("|").split("|"))
    ]
    assert blank == [], "describe every input, output and rule config (docstring under the field)"
