"""Calico's selector language: parsed once, evaluated against label maps.

Calico policies choose endpoints, namespaces and service accounts with expressions such as
`role == 'db' && env in {'prod', 'staging'} && !has(legacy)`. The grammar is Calico's own
(`libcalico-go/lib/selector`):

- `all()` matches everything; an empty selector is `all()`; `global()` matches everything
  too (in a namespaceSelector it means "not in a namespace", which no pod is);
- `k == 'v'`, `k contains 'v'`, `k starts with 'v'`, `k ends with 'v'`, `k in {'a', 'b'}`
  and `has(k)` need the label; `k != 'v'` and `k not in {...}` also match without it;
- `!` negates an operation (repeated `!` collapse), `&&` binds tighter than `||`,
  parentheses group; strings are quoted with `'` or `"` and hold no escapes;
- a label key is 1-512 of `a-z A-Z 0-9 _ . / -`.

`parse(text)` raises `SelectorError` (an `InvalidValue`) naming the 1-based column where
the parser stopped, so a reader can say which object and field hold the bad selector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netkit.errors import InvalidValue

__all__ = ["CalicoSelector", "SelectorError", "parse"]

_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-")
_MAX_KEY = 512


class SelectorError(InvalidValue):
    """A selector Calico's parser would refuse, with the column where reading stopped."""


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class _All:
    def holds(self, labels: Mapping[str, str]) -> bool:
        return True


@dataclass(frozen=True)
class _Global:
    def holds(self, labels: Mapping[str, str]) -> bool:
        return True


@dataclass(frozen=True)
class _Has:
    key: str

    def holds(self, labels: Mapping[str, str]) -> bool:
        return self.key in labels


@dataclass(frozen=True)
class _Compare:
    key: str
    op: str
    """`==`, `!=`, `contains`, `starts with`, `ends with`."""
    value: str

    def holds(self, labels: Mapping[str, str]) -> bool:
        found = labels.get(self.key)
        if found is None:
            return self.op == "!="
        if self.op == "==":
            return found == self.value
        if self.op == "!=":
            return found != self.value
        if self.op == "contains":
            return self.value in found
        if self.op == "starts with":
            return found.startswith(self.value)
        return found.endswith(self.value)


@dataclass(frozen=True)
class _InSet:
    key: str
    values: frozenset[str]
    negated: bool

    def holds(self, labels: Mapping[str, str]) -> bool:
        found = labels.get(self.key)
        if found is None:
            return self.negated
        return (found in self.values) != self.negated


@dataclass(frozen=True)
class _Not:
    operand: _Node

    def holds(self, labels: Mapping[str, str]) -> bool:
        return not self.operand.holds(labels)


@dataclass(frozen=True)
class _And:
    operands: tuple[_Node, ...]

    def holds(self, labels: Mapping[str, str]) -> bool:
        return all(operand.holds(labels) for operand in self.operands)


@dataclass(frozen=True)
class _Or:
    operands: tuple[_Node, ...]

    def holds(self, labels: Mapping[str, str]) -> bool:
        return any(operand.holds(labels) for operand in self.operands)


_Node = _All | _Global | _Has | _Compare | _InSet | _Not | _And | _Or


def _keys(node: _Node) -> frozenset[str]:
    if isinstance(node, _Has | _Compare | _InSet):
        return frozenset({node.key})
    if isinstance(node, _Not):
        return _keys(node.operand)
    if isinstance(node, _And | _Or):
        return frozenset().union(*(_keys(o) for o in node.operands))
    return frozenset()


@dataclass(frozen=True)
class CalicoSelector:
    """A parsed selector; `text` is what the manifest wrote."""

    text: str
    root: _Node

    def matches(self, labels: Mapping[str, str]) -> bool:
        return self.root.holds(labels)

    @property
    def keys(self) -> frozenset[str]:
        """Every label key the selector reads (its value partitions the labelled things)."""
        return _keys(self.root)

    @property
    def is_all(self) -> bool:
        """`all()` or empty: matches every label map."""
        return isinstance(self.root, _All)

    @property
    def is_global(self) -> bool:
        """`global()`: in a namespaceSelector, things outside every namespace."""
        return isinstance(self.root, _Global)

    def __str__(self) -> str:
        return self.text


# --------------------------------------------------------------------------- the parser


@dataclass(frozen=True)
class _Token:
    kind: str
    """`label`, `string`, an operator or punctuation as written, `all`, `global`, `has`, `eof`."""
    value: str
    column: int
    """1-based column of the token's first character."""


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    size = len(text)
    while True:
        while i < size and text[i] in " \t":
            i += 1
        column = i + 1
        if i >= size:
            tokens.append(_Token("eof", "", column))
            return tokens
        char = text[i]
        after_label = bool(tokens) and tokens[-1].kind == "label"
        if char in "(){},":
            tokens.append(_Token(char, char, column))
            i += 1
        elif char in "'\"":
            end = text.find(char, i + 1)
            if end < 0:
                raise SelectorError(f"unterminated string at column {column}")
            tokens.append(_Token("string", text[i + 1 : end], column))
            i = end + 1
        elif text.startswith("==", i):
            tokens.append(_Token("==", "==", column))
            i += 2
        elif text.startswith("!=", i):
            tokens.append(_Token("!=", "!=", column))
            i += 2
        elif char == "!":
            tokens.append(_Token("!", "!", column))
            i += 1
        elif text.startswith("&&", i):
            tokens.append(_Token("&&", "&&", column))
            i += 2
        elif text.startswith("||", i):
            tokens.append(_Token("||", "||", column))
            i += 2
        elif char in "=&|":
            raise SelectorError(f"expected {char * 2} at column {column}")
        elif after_label:
            i = _operator(text, i, column, tokens)
        elif (
            text.startswith("has(", i)
            or text.startswith("all(", i)
            or text.startswith("global(", i)
        ):
            i = _function(text, i, column, tokens)
        else:
            end = i
            while end < size and text[end] in _KEY_CHARS:
                end += 1
            if end == i:
                raise SelectorError(f"unexpected character {char!r} at column {column}")
            if end - i > _MAX_KEY:
                raise SelectorError(f"label key longer than {_MAX_KEY} at column {column}")
            tokens.append(_Token("label", text[i:end], column))
            i = end


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _operator(text: str, i: int, column: int, tokens: list[_Token]) -> int:
    """The word operator after a label: contains, starts with, ends with, in, not in."""
    for word in ("contains", "in"):
        if text.startswith(word, i):
            tokens.append(_Token(word, word, column))
            return i + len(word)
    for first, kind in (("starts", "starts with"), ("ends", "ends with"), ("not", "not in")):
        if text.startswith(first, i):
            j = _skip(text, i + len(first))
            second = kind.split()[1]
            if text.startswith(second, j):
                tokens.append(_Token(kind, kind, column))
                return j + len(second)
            break
    raise SelectorError(
        f"expected an operator (==, !=, in, not in, contains, starts with, ends with) after "
        f"label {tokens[-1].value!r} at column {column}"
    )


def _function(text: str, i: int, column: int, tokens: list[_Token]) -> int:
    name = text[i : text.index("(", i)]
    j = _skip(text, i + len(name) + 1)
    key = ""
    if name == "has":
        end = j
        while end < len(text) and text[end] in _KEY_CHARS:
            end += 1
        key = text[j:end]
        if not key:
            raise SelectorError(f"no label name in has( at column {column}")
        j = _skip(text, end)
    if j >= len(text) or text[j] != ")":
        raise SelectorError(f"no closing ')' after {name}( at column {column}")
    tokens.append(_Token(name, key, column))
    return j + 1


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def fail(self, expected: str) -> SelectorError:
        token = self.token
        found = "the end" if token.kind == "eof" else repr(token.value or token.kind)
        return SelectorError(f"expected {expected} at column {token.column}, found {found}")

    def parse_or(self) -> _Node:
        operands = [self.parse_and()]
        while self.token.kind == "||":
            self.take()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else _Or(tuple(operands))

    def parse_and(self) -> _Node:
        operands = [self.parse_operation()]
        while self.token.kind == "&&":
            self.take()
            operands.append(self.parse_operation())
        return operands[0] if len(operands) == 1 else _And(tuple(operands))

    def parse_operation(self) -> _Node:
        negated = False
        while self.token.kind == "!":
            self.take()
            negated = not negated
        node = self.parse_term()
        return _Not(node) if negated else node

    def parse_term(self) -> _Node:
        token = self.token
        if token.kind == "has":
            self.take()
            return _Has(token.value)
        if token.kind == "all":
            self.take()
            return _All()
        if token.kind == "global":
            self.take()
            return _Global()
        if token.kind == "(":
            self.take()
            inner = self.parse_or()
            if self.token.kind != ")":
                raise self.fail("')'")
            self.take()
            return inner
        if token.kind != "label":
            raise self.fail("a label, has(), all(), '!' or '('")
        key = self.take().value
        op = self.token
        if op.kind in ("==", "!=", "contains", "starts with", "ends with"):
            self.take()
            if self.token.kind != "string":
                raise self.fail("a quoted string")
            return _Compare(key, op.kind, self.take().value)
        if op.kind in ("in", "not in"):
            self.take()
            if self.token.kind != "{":
                raise self.fail("'{' opening a set of strings")
            self.take()
            values: list[str] = []
            while self.token.kind == "string":
                values.append(self.take().value)
                if self.token.kind != ",":
                    break
                self.take()
            if self.token.kind != "}":
                raise self.fail("'}' closing the set")
            self.take()
            return _InSet(key, frozenset(values), op.kind == "not in")
        raise self.fail(f"an operator after label {key!r}")


def parse(text: str) -> CalicoSelector:
    """`text` as a Calico selector; raises `SelectorError` naming the column."""
    tokens = _tokens(text)
    if tokens[0].kind == "eof":
        return CalicoSelector(text, _All())
    parser = _Parser(tokens)
    root = parser.parse_or()
    if parser.token.kind != "eof":
        raise parser.fail("'&&', '||' or the end")
    return CalicoSelector(text, root)
