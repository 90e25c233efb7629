"""Reading YAML and JSON files: one reader and one way of reporting a bad file.

`read_documents` is what every netkit input goes through (stack files, manifests,
address-spaces files, policy pack configs, rendered folders): a file that cannot be read
or parsed is one error line naming the file, the document, the line and the problem,
never PyYAML's multi-line report or a traceback. Only regular files are opened: a FIFO
would block the reader forever and a device never ends, so both are refused, as is a
symbolic link that loops. Text is read as kubectl reads it: UTF-8, a byte order mark
dropped, UTF-16 when a byte order mark says so. The parsing limits (depth, aliases,
duplicate keys) live in `netkit.structured`. `manifest_files` walks a folder for YAML
and JSON files; a part of the folder it cannot read is an error, never skipped.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import stat
from pathlib import Path
from typing import Any, NoReturn

import yaml

from netkit.errors import ManifestError, NetkitError
from netkit.structured import DocumentProblem, load_json, load_yaml_documents

__all__ = [
    "MANIFEST_SUFFIXES",
    "load_yaml_documents",
    "manifest_files",
    "read_documents",
    "read_text",
]

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

_FILE_TYPES = {
    stat.S_IFIFO: "a named pipe (FIFO), which would block the reader",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def manifest_files(folder: Path) -> list[Path]:
    """The YAML and JSON files under `folder`, sorted, hidden folders skipped.

    Symbolic links to folders are not followed (a link back up would walk forever),
    as kubectl's `-R` does not follow them; a name with a manifest suffix that is not a
    regular file (a FIFO, a device, a link that loops or leads nowhere) is refused
    rather than skipped, and so is a folder that cannot be listed (permissions, an I/O
    error): nothing the user meant to check goes unread.
    """

    def unreadable(error: OSError) -> NoReturn:
        shown = error.filename or folder
        raise ManifestError(
            f"{shown}: a folder netkit cannot read ({error.strerror or error}), so the "
            "manifests in it would go unchecked; fix its permissions or leave it out"
        )

    found: list[Path] = []
    for root, folders, files in os.walk(folder, onerror=unreadable):
        # Hidden folders (.git, .terraform, ...) never hold the user's manifests.
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in files:
            path = Path(root) / name
            if path.suffix.lower() not in MANIFEST_SUFFIXES:
                continue
            _check_regular(path, ManifestError, str(path))
            found.append(path)
        for name in folders:
            link = Path(root) / name
            if link.is_symlink() and link.suffix.lower() in MANIFEST_SUFFIXES:
                _check_regular(link, ManifestError, str(link))
    return sorted(found)


def _check_regular(path: Path, error_type: type[NetkitError], shown: str) -> os.stat_result:
    try:
        info = path.stat()
    except OSError as error:
        raise error_type(_open_problem(path, shown, error)) from None
    if not stat.S_ISREG(info.st_mode):
        what = _FILE_TYPES.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise error_type(f"{shown}: {what}; netkit reads regular YAML or JSON files only")
    return info


def _open_problem(path: Path, shown: str, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return f"{shown}: a symbolic link loop (the link leads back to itself); point it at a file"
    if error.errno == errno.ENOENT:
        if path.is_symlink():
            return f"{shown}: a symbolic link to {str(path.readlink())!r}, which does not exist"
        return f"{shown}: no such file"
    return f"{shown}: cannot be read: {error.strerror}"


def read_text(path: Path, error_type: type[NetkitError] = ManifestError, shown: str = "") -> str:
    """The UTF-8 text of the regular file `path`; any problem is one `error_type` line
    starting with `shown` (default: the path)."""
    shown = shown or str(path)
    _check_regular(path, error_type, shown)
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening it
        # still returns at once, and the second check below refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise error_type(_open_problem(path, shown, error)) from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error_type(f"{shown}: not a regular file; netkit reads regular files only")
        try:
            data = handle.read()
        except OSError as error:
            raise error_type(f"{shown}: cannot be read: {error.strerror or error}") from None
    # kubectl's reader (a UTF-8 decoder under a byte order mark override): a UTF-8 mark
    # is dropped, a UTF-16 one selects UTF-16.
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise error_type(
            f"{shown}: not {encoding.upper()} text (byte {error.start}); save it as UTF-8"
        ) from None


def read_documents(
    path: Path, error_type: type[NetkitError] = ManifestError, shown: str = ""
) -> list[Any]:
    """The documents of a YAML or JSON file (JSON by its suffix), `None` for empty ones.

    Every problem is one `error_type` line starting with `shown` (default: the path)
    and, for bad YAML or JSON, naming the document, line and column: a missing or
    unreadable file, one that is not a regular file, a binary one, bad syntax, a key
    written twice, nesting or aliases past the limits of `netkit.structured`.
    """
    shown = shown or str(path)
    text = read_text(path, error_type, shown)
    if path.suffix.lower() == ".json":
        try:
            return [load_json(text)]
        except json.JSONDecodeError as error:
            raise error_type(
                f"{shown}: not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}"
            ) from None
        except DocumentProblem as refused:
            raise error_type(f"{shown}: {refused.message}") from None
    documents: list[Any] = []
    try:
        for document in load_yaml_documents(text):
            documents.append(document)
    except yaml.YAMLError as error:
        raise error_type(
            f"{shown}, document {len(documents) + 1}: not valid YAML: {_yaml_problem(error, text)}"
        ) from None
    except DocumentProblem as refused:
        line = f"line {refused.line}: " if refused.line is not None else ""
        raise error_type(f"{shown}, document {refused.document}: {line}{refused.message}") from None
    return documents


def _yaml_problem(error: yaml.YAMLError, text: str) -> str:
    """The parser's problem on one line: where and what (PyYAML's own report adds a
    second line with an internal position)."""
    if isinstance(error, yaml.reader.ReaderError):
        before = text[: error.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        char = error.character
        code = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        return f"line {line}, column {column}: the character {code}: {error.reason}"
    mark = getattr(error, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = getattr(error, "problem", None) or getattr(error, "context", None)
    return where + str(problem or type(error).__name__)
