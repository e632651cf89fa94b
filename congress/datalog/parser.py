"""Text -> AST for Congress Datalog.

One LALR grammar (``grammar.lark``) serves four entry points that differ only in
what they accept:

* ``parse_rules``: a whole policy text, any number of statements;
* ``parse_rule``: exactly one statement (the rule API);
* ``parse_query``: a literal, a conjunction of literals, or a rule;
* ``parse_sequence`` / ``parse_sequence_steps``: a simulate sequence.

Every malformed text raises ``PolicySyntaxError`` (with line and column) or
``MultipleRules``; no Lark exception escapes.

Texts that are only plain atoms, one per statement, with constant or variable
arguments (``nova:servers+("id", 1)  ports-(2)``, ``error(x)``) -- simulate
sequences, queries, facts -- are read by one regular expression instead
(``_fast_atoms``, ~20x faster); anything else, including every malformed
text, goes to Lark, which has the last word on errors.

String literals: a plain quoted string is stored as its token minus the first
and last character, so escapes stay verbatim (``"a\\"b"`` stores ``a\\"b``), as
the original did. Prefixed (``r"..."``, ``u"..."``) and triple-quoted literals
are decoded the Python way (the original mangled them); byte strings are rejected.
"""

from __future__ import annotations

import ast as python_ast
import math
import re
import warnings
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import NoReturn

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from congress.datalog.ast import MODALS, Atom, ColumnRef, Constant, Location, Rule, Term, Value, Variable
from congress.exceptions import MultipleRules, PolicySyntaxError

__all__ = [
    "Query",
    "parse_ground_updates",
    "parse_query",
    "parse_rule",
    "parse_rules",
    "parse_sequence",
    "parse_sequence_steps",
]

Query = Atom | tuple[Atom, ...] | Rule

# Friendly names of the grammar's regex terminals, for error messages.
_TERMINAL_NAMES = {
    "NAME": "a name",
    "INT": "an integer",
    "FLOAT": "a float",
    "STRING": "a string",
    "UPDATE": "'+' or '-'",
    "NOT": "'not'",
    "NOT_UPPER": "'NOT'",
    "BANG": "'!'",
    "$END": "end of input",
}


@dataclass(frozen=True, slots=True)
class _Statement:
    """One parsed statement before the entry point decides what it may be."""

    heads: tuple[Atom, ...]
    body: tuple[Atom, ...] | None  # None: no ``:-``
    location: Location


def _loc(token: Token) -> Location:
    return Location(token.line, token.column)


def _fail(message: str, where: Token | Location) -> NoReturn:
    """Raise a syntax error at a token or location (both carry ``line`` and ``column``)."""
    raise PolicySyntaxError(message, line=where.line, column=where.column)


def _integer(token: Token) -> int:
    text = str(token)
    if len(text) > 1 and text[0] == "0" and text.strip("0"):
        _fail(f"invalid integer {text}: leading zeros are not allowed", token)
    try:
        return int(text)
    except ValueError:  # beyond Python's int-from-text digit limit
        _fail(f"integer {text[:20]}... is too long", token)


def _float(token: Token) -> float:
    value = float(str(token))
    if not math.isfinite(value):
        _fail(f"number {str(token)[:40]} is out of range", token)
    return value


def _string(token: Token) -> str:
    text = str(token)
    quote_at = min(i for i in (text.find('"'), text.find("'")) if i >= 0)
    prefix = text[:quote_at].lower()
    if "b" in prefix:
        _fail(f"byte strings are not supported: {text}", token)
    if not prefix and not text.startswith(('"""', "'''")):
        return text[1:-1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = python_ast.literal_eval(text)
    except (SyntaxError, ValueError) as exc:
        _fail(f"invalid string literal {text}: {exc}", token)
    return value


class _Builder(Transformer):
    """Builds AST nodes directly from the LALR parser's reductions (no tree)."""

    def start(self, children: list[_Statement]) -> list[_Statement]:
        return children

    def statement(self, children: list[tuple[Atom, ...]]) -> _Statement:
        heads = children[0]
        return _Statement(heads, None, heads[0].location)

    def rule_statement(self, children: list[tuple[Atom, ...]]) -> _Statement:
        heads, body = children
        return _Statement(heads, body, heads[0].location)

    def literals(self, children: list[Atom]) -> tuple[Atom, ...]:
        return tuple(children)

    def literal(self, children: list[Atom]) -> Atom:
        return children[0]

    def negated(self, children: list) -> Atom:
        keyword, atom = children
        return replace(atom, negated=True, location=_loc(keyword))

    def atom(self, children: list[Atom]) -> Atom:
        return children[0]

    def modal_atom(self, children: list) -> Atom:
        modal, atom = children
        if str(modal) not in MODALS:
            _fail(f"unknown modal {modal}: expected one of {', '.join(MODALS)}", modal)
        return replace(atom, modal=str(modal), location=_loc(modal))

    def plain_atom(self, children: list) -> Atom:
        theory, name_token, start = children[0]
        update = None
        arguments: list = []
        for child in children[1:]:
            if isinstance(child, Token):
                update = str(child)
            else:
                arguments = child
        positional = tuple(a for a in arguments if not isinstance(a, ColumnRef))
        named = tuple(a for a in arguments if isinstance(a, ColumnRef))
        return Atom(
            table=str(name_token),
            args=positional,
            theory=theory,
            update=update,
            column_refs=named,
            location=_loc(start),
        )

    def table(self, children: list[Token]) -> tuple[str | None, Token, Token]:
        return None, children[0], children[0]

    def qualified_table(self, children: list[Token]) -> tuple[str | None, Token, Token]:
        theory, name = children
        return str(theory), name, theory

    def arguments(self, children: list) -> list:
        return children

    def argument(self, children: list[Term]) -> Term:
        return children[0]

    def named_column(self, children: list) -> ColumnRef:
        name, term = children
        return ColumnRef(str(name), term)

    def numbered_column(self, children: list) -> ColumnRef:
        number, term = children
        return ColumnRef(_integer(number), term)

    def variable(self, children: list[Token]) -> Variable:
        return Variable(str(children[0]))

    def integer(self, children: list[Token]) -> Constant:
        return Constant(_integer(children[0]))

    def float(self, children: list[Token]) -> Constant:
        return Constant(_float(children[0]))

    def string(self, children: list[Token]) -> Constant:
        return Constant(_string(children[0]))


@cache
def _parser() -> Lark:
    grammar = resources.files("congress.datalog").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="contextual", transformer=_Builder())


def _describe_terminal(name: str, parser: Lark) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    for terminal in parser.terminals:
        if terminal.name == name and isinstance(terminal.pattern, PatternStr):
            return repr(terminal.pattern.value)
    return name


def _end_location(text: str) -> Location:
    lines = text.split("\n")
    return Location(len(lines), len(lines[-1]) + 1)


def _syntax_error(error: UnexpectedInput, text: str) -> PolicySyntaxError:
    parser = _parser()
    if isinstance(error, UnexpectedToken):
        expected = sorted(_describe_terminal(n, parser) for n in error.expected)
        if error.token.type == "$END":
            found = "end of input"
            where = _end_location(text)
        else:
            found = repr(str(error.token))
            where = Location(error.line, error.column)
        wanted = expected[0] if len(expected) == 1 else "one of: " + " ".join(expected)
        message = f"expected {wanted} but found {found}"
    elif isinstance(error, UnexpectedCharacters):
        where = Location(error.line, error.column)
        message = f"unexpected character {text[error.pos_in_stream]!r}"
        if text[error.pos_in_stream] in "\"'":
            message += " (unterminated string?)"
        elif text.startswith("/*", error.pos_in_stream):
            message += " (unterminated comment?)"
    else:
        where = Location(error.line, error.column)
        message = "unexpected input"
    return PolicySyntaxError(message, line=where.line, column=where.column)


# The fast path's pieces, the same regular expressions as grammar.lark's terminals. FLOAT is tried
# before INT, as the lexer's priorities do; only unprefixed, not triple-quoted strings.
_WS = r"[ \t\f\r\n]*"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*"
_FLOAT = r"[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+"
_STRING = r"\"[^\"\\\n]*(?:\\[\s\S][^\"\\\n]*)*\"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'"  # STRING, unrolled
_TERM = rf"(?:({_STRING})|({_FLOAT})|([0-9]+)|({_NAME}))"  # first characters tell all but FLOAT/INT apart
_TERM_RE = re.compile(rf"{_WS}{_TERM}{_WS},?")
_ATOM_RE = re.compile(
    rf"{_WS}(?:({_NAME}){_WS}:{_WS})?({_NAME}){_WS}([+-]?){_WS}"
    rf"\({_WS}((?:{_TERM}{_WS}(?:,{_WS}{_TERM}{_WS})*)?)\){_WS}(?:[;.]{_WS})*"
)
_SEPARATORS_RE = re.compile(rf"{_WS}(?:[;.]{_WS})*")
_KEYWORDS = frozenset(("not", "NOT"))


def _fast_scan(text: str) -> list[re.Match] | None:
    """One match of ``_ATOM_RE`` per statement of a text made only of plain atoms with argument lists;
    None for any other text."""
    if type(text) is not str:
        return None
    position = _SEPARATORS_RE.match(text).end()
    end = len(text)
    found = []
    while position < end:
        atom = _ATOM_RE.match(text, position)
        if atom is None or atom.group(2) in _KEYWORDS or atom.group(1) in _KEYWORDS:
            return None
        found.append(atom)
        position = atom.end()
    return found


def _fast_statements(text: str) -> list[tuple[re.Match, str | None, str, str, tuple]] | None:
    """Per statement of a text made only of plain atoms: the match, theory, table, update sign ("" if none)
    and the terms of its arguments; None for any other text."""
    matches = _fast_scan(text)
    if matches is None:
        return None
    statements = []
    for found in matches:
        theory, table, update, arguments = found.group(1, 2, 3, 4)
        terms = _fast_terms(arguments) if arguments else ()
        if terms is None:
            return None
        statements.append((found, theory, table, update, terms))
    return statements


def _fast_atoms(text: str) -> list[Atom] | None:
    """The atoms of a text made only of plain atoms with argument lists of constants and variables,
    one per statement, exactly as Lark would build them; None for any other text (Lark reads it)."""
    statements = _fast_statements(text)
    if statements is None:
        return None
    atoms = []
    for found, theory, table, update, terms in statements:
        args = tuple(t if type(t) is Variable else Constant(t) for t in terms)
        start = found.start(1) if theory else found.start(2)
        line = text.count("\n", 0, start) + 1
        column = start - text.rfind("\n", 0, start)
        atoms.append(Atom(table, args, theory, None, update or None, location=Location(line, column)))
    return atoms


def parse_ground_updates(text: str) -> list[tuple[str | None, str, str, tuple[Value, ...]]] | None:
    """A simulate sequence made only of ground update atoms (``nova:servers+("id", 1) p-(2)``), as
    ``(theory, table, "+" or "-", values)``, without building the AST; None for any other text.
    The values are those ``parse_sequence`` would put in the atoms' constants."""
    statements = _fast_statements(text)
    if statements is None:
        return None
    updates = []
    for _, theory, table, update, values in statements:
        if not update or Variable in map(type, values):
            return None
        updates.append((theory, table, update, values))
    return updates


def _fast_terms(arguments: str) -> tuple[Value | Variable, ...] | None:
    """The values of an argument list's constants (Lark's value semantics) and its variables;
    None if Lark has an error to report."""
    terms: list[Value | Variable] = []
    for string, floating, integer, name in _TERM_RE.findall(arguments):
        if string:
            terms.append(string[1:-1])
        elif integer:
            if len(integer) > 1 and integer[0] == "0" and integer.strip("0") or len(integer) > 4000:
                return None
            terms.append(int(integer))
        elif floating:
            value = float(floating)
            if not math.isfinite(value):
                return None
            terms.append(value)
        elif name in _KEYWORDS:
            return None
        else:
            terms.append(Variable(name))
    return tuple(terms)


def _statements(text: str) -> list[_Statement]:
    if not isinstance(text, str):
        raise PolicySyntaxError(f"policy text must be a string, not {type(text).__name__}")
    try:
        return _parser().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    except LarkError as error:  # any other Lark failure is still a syntax problem of this text
        raise PolicySyntaxError(f"cannot parse: {error}") from None


def _check_heads(statement: _Statement) -> None:
    for head in statement.heads:
        if head.negated:
            _fail(f"a rule head cannot be negated: {head}", head.location)


def _to_rule(statement: _Statement) -> Rule:
    """A statement of a policy text: one non-negated head, optionally a body."""
    _check_heads(statement)
    if len(statement.heads) > 1:
        heads = ", ".join(str(h) for h in statement.heads)
        _fail(f"a rule has exactly one head literal, found {len(statement.heads)}: {heads}",
              statement.heads[1].location)
    return Rule(statement.heads[0], statement.body or (), location=statement.location)


def parse_rules(text: str) -> list[Rule]:
    """All statements of a policy text, in order."""
    atoms = _fast_atoms(text)
    if atoms is not None:
        return [Rule(atom, (), location=atom.location) for atom in atoms]
    return [_to_rule(s) for s in _statements(text)]


def _single(statements: list[_Statement]) -> _Statement:
    if not statements:
        raise PolicySyntaxError("no rule found in the text", line=1, column=1)
    if len(statements) > 1:
        rendered = "; ".join(_render_statement(s) for s in statements)
        raise MultipleRules(f"Received multiple rules: {rendered}")
    return statements[0]


def _render_statement(statement: _Statement) -> str:
    heads = ", ".join(str(h) for h in statement.heads)
    if statement.body is None:
        return heads
    return f"{heads} :- {', '.join(str(b) for b in statement.body)}"


def parse_rule(text: str) -> Rule:
    """Exactly one statement; two or more raise ``MultipleRules``."""
    atoms = _fast_atoms(text)
    if atoms is not None and len(atoms) == 1:
        return Rule(atoms[0], (), location=atoms[0].location)
    return _to_rule(_single(_statements(text)))


def parse_query(text: str) -> Query:
    """A literal (``Atom``), a conjunction (tuple of atoms) or a rule (``Rule``)."""
    atoms = _fast_atoms(text)
    if atoms is not None and len(atoms) == 1:
        return atoms[0]
    statement = _single(_statements(text))
    if statement.body is not None:
        return _to_rule(statement)
    if len(statement.heads) == 1:
        return statement.heads[0]
    return statement.heads


def parse_sequence_steps(text: str) -> list[tuple[Rule, ...]]:
    """A simulate sequence, one entry per statement.

    A statement with several heads (``q(1), r(1) :- true``) is one step whose
    rules share the body: several actions taken at the same time.
    """
    atoms = _fast_atoms(text)
    if atoms is not None:
        return [(Rule(atom, (), location=atom.location),) for atom in atoms]
    steps = []
    for statement in _statements(text):
        _check_heads(statement)
        body = statement.body or ()
        steps.append(tuple(Rule(h, body, location=h.location) for h in statement.heads))
    return steps


def parse_sequence(text: str) -> list[Rule]:
    """A simulate sequence flattened to its rules (see ``parse_sequence_steps``)."""
    return [rule for step in parse_sequence_steps(text) for rule in step]
