"""The CUE `text/template` package: Go's text/template over a CUE value.

`Execute` decodes the data as CUE's Go API does (see `gofmt`) and runs Go's
template language on it: `{{.field}}`, `$variables`, pipelines, `if`/`with`/
`range` with `else`, `break`/`continue`, `define`/`template`/`block`, `{{-`/`-}}`
trimming, comments, and the predefined functions (`and`, `or`, `not`, `len`,
`index`, `slice`, `print`, `printf`, `println`, `eq`, `ne`, `lt`, `le`, `gt`,
`ge`, `html`, `js`, `urlquery`). Errors read as Go's: `template: :1:5: ...`.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cueflow.cue.std.base import BuiltinError, package
from cueflow.cue.std.gofmt import IdealInt, format_value, sprint, sprintf, sprintln, type_name
from cueflow.cue.std.html import escape
from cueflow.cue.std.strconv import is_print, unquote

MAX_DEPTH = 100  # nested template calls, and nested parentheses and control structures


class _Missing:
    """Go's invalid reflect.Value: a map key that is not there; prints `<no value>`."""

    def __repr__(self) -> str:
        return "<no value>"


MISSING = _Missing()


def html_escape(s: str) -> str:
    """Go's HTMLEscapeString: html.Escape, and NUL becomes U+FFFD."""
    return escape(s).replace("\0", "\ufffd")


_JS_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "=": "\\u003D",
}


def js_escape(s: str) -> str:
    """Go's JSEscapeString: quotes, `\\`, `<>&=` and control characters escaped."""
    out = []
    for char in s:
        if char in _JS_ESCAPES:
            out.append(_JS_ESCAPES[char])
        elif char < " " or (char >= "\x80" and not is_print(ord(char))):
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return "".join(out)


# ---- lexing ------------------------------------------------------------------------


class TemplateError(BuiltinError):
    """A template that does not parse or fails to run; the message reads as Go's."""


@dataclass
class Token:
    """One lexed piece: a run of text, or a token inside `{{ }}`."""

    kind: str  # text, start, field, dot, var, ident, string, number, char, bool, nil, | ( ) := = , end
    text: str
    line: int
    spaced: bool = False  # white space before it (field chains must be adjacent)
    value: Any = None


_SPACE = " \t\r\n"
_PUNCT = {"|": "|", "(": "(", ")": ")", ",": ","}


def _is_ident_char(char: str) -> bool:
    return char == "_" or char.isalnum()


def lex(src: str) -> list[Token]:
    """Text and action tokens; an action ends with an `end` token."""
    tokens: list[Token] = []
    pos, line = 0, 1
    trim_next = False
    while pos < len(src):
        start = src.find("{{", pos)
        text = src[pos:] if start < 0 else src[pos:start]
        if trim_next:
            text = text.lstrip(_SPACE)
        after = start + 2
        trim_before = (
            start >= 0
            and src[after : after + 1] == "-"
            and src[after + 1 : after + 2] in tuple(_SPACE)
        )
        if trim_before:
            text = text.rstrip(_SPACE)
        if text:
            tokens.append(Token("text", text, line))
        line += src[pos : len(src) if start < 0 else start].count("\n")
        if start < 0:
            break
        pos = after + (2 if trim_before else 0)
        tokens.append(Token("start", "{{", line))
        pos, line, trim_next = _lex_action(src, pos, line, tokens)
    return tokens


def _close(src: str, pos: int) -> int:
    """Length of the action's closing delimiter at `pos` (` -}}` or `}}`), else 0."""
    if src.startswith("}}", pos):
        return 2
    if src[pos : pos + 1] in tuple(_SPACE) and src.startswith("-}}", pos + 1):
        return 4
    return 0


def _lex_action(src: str, pos: int, line: int, tokens: list[Token]) -> tuple[int, int, bool]:
    if src.startswith("/*", pos):
        tokens.pop()  # a comment is no action
        end = src.find("*/", pos + 2)
        if end < 0:
            raise TemplateError(f"template: :{line}: unclosed comment")
        line += src[pos:end].count("\n")
        close = _close(src, end + 2)
        if not close:
            raise TemplateError(f"template: :{line}: comment ends before closing delimiter")
        return end + 2 + close, line, close == 4
    spaced = False
    while True:
        if pos >= len(src):
            raise TemplateError(f"template: :{line}: unclosed action")
        close = _close(src, pos)
        if close:
            tokens.append(Token("end", "}}", line))
            return pos + close, line, close == 4
        char = src[pos]
        if char in _SPACE:
            line += char == "\n"
            pos += 1
            spaced = True
            continue
        token, pos = _lex_token(src, pos, line)
        token.spaced = spaced
        tokens.append(token)
        spaced = False


def _lex_token(src: str, pos: int, line: int) -> tuple[Token, int]:
    char = src[pos]
    nxt = src[pos + 1 : pos + 2]
    if char in _PUNCT:
        return Token(_PUNCT[char], char, line), pos + 1
    if src.startswith(":=", pos):
        return Token(":=", ":=", line), pos + 2
    if char == "=":
        return Token("=", "=", line), pos + 1
    if char == "`":
        end = src.find("`", pos + 1)
        if end < 0:
            raise TemplateError(f"template: :{line}: unterminated raw quoted string")
        return _literal(src[pos : end + 1], line), end + 1
    if char in "\"'":
        end = pos + 1
        while end < len(src) and src[end] not in (char, "\n"):
            end += 2 if src[end] == "\\" else 1
        if end >= len(src) or src[end] != char:
            raise TemplateError(f"template: :{line}: unterminated quoted string")
        text = src[pos : end + 1]
        return _literal(text, line), end + 1
    if char == "." and not nxt.isdigit():
        end = pos + 1
        while end < len(src) and _is_ident_char(src[end]):
            end += 1
        kind = "dot" if end == pos + 1 else "field"
        return Token(kind, src[pos:end], line), end
    if char == "$":
        end = pos + 1
        while end < len(src) and _is_ident_char(src[end]):
            end += 1
        return Token("var", src[pos:end], line), end
    if char.isdigit() or (char in "+-." and nxt.isdigit()):
        end = pos + 1
        while end < len(src) and (
            src[end].isalnum() or src[end] in "._" or (src[end] in "+-" and src[end - 1] in "eEpP")
        ):
            end += 1
        return _number(src[pos:end], line), end
    if _is_ident_char(char):
        end = pos
        while end < len(src) and _is_ident_char(src[end]):
            end += 1
        word = src[pos:end]
        if word in ("true", "false"):
            return Token("bool", word, line, value=word == "true"), end
        if word == "nil":
            return Token("nil", word, line), end
        return Token("ident", word, line), end
    raise TemplateError(f"template: :{line}: unexpected {char!r} in command")


def _literal(text: str, line: int) -> Token:
    try:
        if text[0] == "`":
            return Token("string", text, line, value=text[1:-1])
        if text[0] == '"':
            return Token("string", text, line, value=unquote(text))
        value = unquote('"' + text[1:-1].replace('"', '\\"') + '"')
    except BuiltinError:
        raise TemplateError(f"template: :{line}: invalid syntax: {text}") from None
    if len(value) != 1:
        raise TemplateError(f"template: :{line}: malformed character constant: {text}")
    return Token("char", text, line, value=IdealInt(ord(value)))


def _number(text: str, line: int) -> Token:
    clean = text.replace("_", "")
    try:
        if clean.lower().lstrip("+-").startswith(("0x", "0b", "0o")) or not any(
            c in clean for c in ".eE"
        ):
            body = clean.lstrip("+-")
            base = {"0x": 16, "0b": 2, "0o": 8}.get(
                body[:2].lower(), 8 if body[:1] == "0" and len(body) > 1 else 10
            )
            digits = body[2:] if base != 10 and body[1:2].isalpha() else body
            value: Any = IdealInt(int(digits, base) * (-1 if clean.startswith("-") else 1))
        else:
            value = float(clean)
    except ValueError:
        raise TemplateError(f"template: :{line}: bad number syntax: {text!r}") from None
    return Token("number", text, line, value=value)


# ---- parsing -----------------------------------------------------------------------


@dataclass
class Node:
    """A parsed template element; `body`/`orelse` hold the branches of if, with and range."""

    kind: str  # text, action, if, range, with, break, continue, template
    line: int
    text: str = ""
    pipe: Pipe | None = None
    body: list[Node] = field(default_factory=list)
    orelse: list[Node] = field(default_factory=list)
    name: str = ""


@dataclass
class Pipe:
    """`$x := a | b c`: variables declared (or assigned), then commands fed left to right."""

    line: int
    decl: list[str]
    assign: bool
    commands: list[list[Any]]  # each command is a list of operands


@dataclass
class Operand:
    """One argument of a command, with the `.field` chain that follows it."""

    kind: str  # dot, field, var, ident, literal, nil, pipe
    line: int
    text: str
    value: Any = None
    fields: list[str] = field(default_factory=list)


class Parser:
    """Go's template grammar over the tokens; variables must be declared before use."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.templates: dict[str, list[Node]] = {}
        self.vars: list[list[str]] = [["$"]]
        self.range_depth = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else Token("eof", "", 0)

    def next(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def error(self, token: Token, message: str) -> TemplateError:
        return TemplateError(f"template: :{token.line}: {message}")

    def expect(self, kind: str, context: str) -> Token:
        token = self.next()
        if token.kind != kind:
            raise self.error(token, f"unexpected {self.describe(token)} in {context}")
        return token

    @staticmethod
    def describe(token: Token) -> str:
        if token.kind == "end":
            return "}}"
        if token.kind == "eof":
            return "EOF"
        return token.text if token.kind == "string" else f'"{token.text}"'

    def parse(self) -> dict[str, list[Node]]:
        body, stop = self.list_until(top=True)
        if stop != "eof":
            raise self.error(self.tokens[self.pos - 1], f"unexpected {{{{{stop}}}}}")
        self.templates[""] = body
        return self.templates

    def list_until(self, top: bool = False) -> tuple[list[Node], str]:
        """Nodes up to `{{end}}` or `{{else ...}}` (consumed as far as the keyword) or EOF."""
        nodes: list[Node] = []
        while True:
            token = self.next()
            if token.kind == "eof":
                return nodes, "eof"
            if token.kind == "text":
                nodes.append(Node("text", token.line, text=token.text))
                continue
            word = self.peek()
            if word.kind == "ident" and word.text in ("end", "else"):
                self.next()
                return nodes, word.text
            if word.kind == "ident" and word.text == "define":
                if not top:
                    raise self.error(word, "unexpected <define> in command")
                self.next()
                self.define(word)
                continue
            node = self.action()
            if node is not None:
                nodes.append(node)

    def define(self, word: Token) -> None:
        name = self.expect("string", "define clause")
        self.expect("end", "define clause")
        self.named_body(word, name.value)

    def named_body(self, word: Token, name: str) -> None:
        """Read a `define`/`block` body up to its `{{end}}`, in a scope of its own."""
        saved, self.vars = self.vars, [["$"]]
        body, stop = self.list_until()
        self.vars = saved
        if stop != "end":
            raise self.error(word, "unexpected EOF")
        self.expect("end", "end")
        self.templates[name] = body

    def action(self) -> Node | None:
        word = self.peek()
        if word.kind == "ident" and word.text in ("if", "range", "with"):
            self.next()
            return self.control(word.text, word)
        if word.kind == "ident" and word.text in ("break", "continue"):
            self.next()
            if not self.range_depth:
                raise self.error(word, f"{{{{{word.text}}}}} outside {{{{range}}}}")
            self.expect("end", word.text)
            return Node(word.text, word.line)
        if word.kind == "ident" and word.text in ("template", "block"):
            self.next()
            name = self.expect("string", f"{word.text} clause")
            pipe = None if self.peek().kind == "end" else self.pipeline("template", "end")
            self.expect("end", f"{word.text} clause")
            if word.text == "block":
                self.named_body(word, name.value)
            return Node("template", word.line, pipe=pipe, name=name.value)
        pipe = self.pipeline("command", "end")
        self.expect("end", "command")
        return Node("action", word.line, pipe=pipe)

    def nest(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(token, "max expression depth exceeded")

    def control(self, kind: str, word: Token) -> Node:
        self.nest(word)
        self.vars.append([])
        pipe = self.pipeline(kind, "end")
        self.expect("end", kind)
        self.range_depth += kind == "range"
        body, stop = self.list_until()
        self.range_depth -= kind == "range"
        node = Node(kind, word.line, pipe=pipe, body=body)
        if stop == "else":
            nested = self.peek()
            if nested.kind == "ident" and nested.text == kind and kind != "range":
                # `{{else if ...}}` is an else branch holding one if, sharing the {{end}}
                self.next()
                node.orelse = [self.control(nested.text, nested)]
                self.vars.pop()
                self.depth -= 1
                return node
            self.expect("end", "else")
            node.orelse, stop = self.list_until()
        if stop != "end":
            raise self.error(word, "unexpected EOF")
        self.expect("end", "end")
        self.vars.pop()
        self.depth -= 1
        return node

    def pipeline(self, context: str, end: str) -> Pipe:
        line = self.peek().line
        decl: list[str] = []
        assign = False
        token = self.peek()
        if token.kind == "var":
            following = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else None
            if following is not None and following.kind in (":=", "=", ","):
                self.next()
                decl.append(token.text)
                if following.kind == ",":
                    if context != "range":
                        raise self.error(token, f"too many declarations in {context}")
                    self.next()
                    decl.append(self.expect("var", "range").text)
                    following = self.peek()
                    if following.kind not in (":=", "="):
                        raise self.error(following, "missing := in range")
                self.next()
                assign = following.kind == "="
                if assign:
                    for name in decl:
                        self.lookup_var(name, token)
                else:
                    self.vars[-1].extend(decl)
        commands: list[list[Operand]] = []
        while True:
            command = self.command(end)
            commands.append(command)
            if self.peek().kind != "|":
                break
            self.next()
        if self.peek().kind != end:
            raise self.error(self.peek(), f"unexpected {self.describe(self.peek())} in {context}")
        return Pipe(line, decl, assign, commands)

    def lookup_var(self, name: str, token: Token) -> None:
        if not any(name in scope for scope in self.vars):
            raise self.error(token, f'undefined variable "{name}"')

    def command(self, end: str) -> list[Operand]:
        operands: list[Operand] = []
        while True:
            token = self.peek()
            if token.kind in (end, "|", "eof") or (token.kind == ")" and end == ")"):
                break
            if operands and not token.spaced and token.kind != "(":
                raise self.error(token, f"unexpected {self.describe(token)} in operand")
            operands.append(self.operand())
        if not operands:
            raise self.error(self.peek(), "missing value for command")
        return operands

    def operand(self) -> Operand:
        token = self.next()
        if token.kind == "dot":
            operand = Operand("dot", token.line, ".")
        elif token.kind == "field":
            operand = Operand("field", token.line, token.text, fields=[token.text[1:]])
        elif token.kind == "var":
            self.lookup_var(token.text, token)
            operand = Operand("var", token.line, token.text)
        elif token.kind == "ident":
            if token.text not in FUNCTIONS and token.text not in ("and", "or"):
                raise self.error(token, f'function "{token.text}" not defined')
            operand = Operand("ident", token.line, token.text)
        elif token.kind in ("string", "number", "char", "bool"):
            operand = Operand("literal", token.line, token.text, value=token.value)
        elif token.kind == "nil":
            operand = Operand("nil", token.line, "nil")
        elif token.kind == "(":
            self.nest(token)
            pipe = self.pipeline("parenthesized pipeline", ")")
            self.expect(")", "parenthesized pipeline")
            self.depth -= 1
            operand = Operand("pipe", token.line, "(...)", value=pipe)
        else:
            raise self.error(token, f"unexpected {self.describe(token)} in operand")
        while self.peek().kind == "field" and not self.peek().spaced:
            if operand.kind in ("literal", "nil", "ident"):
                raise self.error(self.peek(), f"unexpected . after term {operand.text!r}")
            operand.fields.append(self.next().text[1:])
        return operand


# ---- execution ---------------------------------------------------------------------


class _Break(Exception):
    """`{{break}}`: leaves the innermost range."""


class _Continue(Exception):
    """`{{continue}}`: goes on with the next element of the innermost range."""


def truth(value: Any) -> bool:
    if value is MISSING or value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return len(value) > 0


@dataclass
class _State:
    templates: dict[str, list[Node]]
    out: list[str]
    vars: list[tuple[str, Any]]
    depth: int = 0


def _decode(value: Any) -> Any:
    """A CUE value as Go's interface{} decoding gives it: floats are float64."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        return {key: _decode(item) for key, item in value.items()}
    return value


class Exec:
    """Runs parsed templates: dot, the variable stack and the output live in the state."""

    def __init__(self, state: _State) -> None:
        self.s = state

    def fail(self, line: int, at: str, message: str) -> TemplateError:
        return TemplateError(f'template: :{line}: executing "" at <{at}>: {message}')

    def run(self, nodes: list[Node], dot: Any) -> None:
        for node in nodes:
            kind = node.kind
            if kind == "text":
                self.s.out.append(node.text)
            elif kind == "action":
                assert node.pipe is not None
                value = self.pipe(node.pipe, dot)
                if not node.pipe.decl:
                    # a nil interface result is no value to text/template, though fmt says <nil>
                    missing = value is MISSING or value is None
                    self.s.out.append("<no value>" if missing else format_value(value, "v"))
            elif kind in ("if", "with"):
                mark = len(self.s.vars)
                assert node.pipe is not None
                value = self.pipe(node.pipe, dot)
                if truth(value):
                    self.run(node.body, value if kind == "with" else dot)
                else:
                    self.run(node.orelse, dot)
                del self.s.vars[mark:]
            elif kind == "range":
                self.range(node, dot)
            elif kind == "break":
                raise _Break
            elif kind == "continue":
                raise _Continue
            elif kind == "template":
                self.template(node, dot)

    def template(self, node: Node, dot: Any) -> None:
        if node.name not in self.s.templates:
            raise self.fail(node.line, f'template "{node.name}"', f'no such template "{node.name}"')
        if self.s.depth >= MAX_DEPTH:
            raise self.fail(
                node.line,
                f'template "{node.name}"',
                f"exceeded maximum template depth ({MAX_DEPTH})",
            )
        value = self.pipe(node.pipe, dot) if node.pipe is not None else None
        saved = self.s.vars
        self.s.vars = [("$", value)]
        self.s.depth += 1
        try:
            self.run(self.s.templates[node.name], value)
        finally:
            self.s.depth -= 1
            self.s.vars = saved

    def range(self, node: Node, dot: Any) -> None:
        assert node.pipe is not None
        mark = len(self.s.vars)
        value = self.pipe(node.pipe, dot)
        del self.s.vars[mark:]
        if isinstance(value, list):
            items: list[tuple[Any, Any]] = [(IdealInt(i), v) for i, v in enumerate(value)]
        elif isinstance(value, dict):
            items = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(IdealInt(i), IdealInt(i)) for i in range(value)]
        elif value is MISSING or value is None:
            items = []
        else:
            raise self.fail(
                node.line, "range", f"range can't iterate over {format_value(value, 'v')}"
            )
        for key, item in items:
            decl = node.pipe.decl
            if len(decl) == 1:
                self.s.vars.append((decl[0], item))
            elif len(decl) == 2:
                self.s.vars.extend([(decl[0], key), (decl[1], item)])
            try:
                self.run(node.body, item)
            except _Break:
                break
            except _Continue:
                pass
            finally:
                del self.s.vars[mark:]
        if not items:
            self.run(node.orelse, dot)

    def pipe(self, pipe: Pipe, dot: Any) -> Any:
        value: Any = _NO_FINAL
        for command in pipe.commands:
            value = self.command(command, dot, value)
        if pipe.decl:
            if pipe.assign:
                for name in pipe.decl:
                    self.set_var(name, value)
            else:
                self.s.vars.append((pipe.decl[-1], value))
        return value

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.s.vars) - 1, -1, -1):
            if self.s.vars[i][0] == name:
                self.s.vars[i] = (name, value)
                return

    def var(self, name: str, line: int) -> Any:
        for var_name, value in reversed(self.s.vars):
            if var_name == name:
                return value
        raise self.fail(line, name, f"undefined variable: {name}")

    def command(self, operands: list[Operand], dot: Any, final: Any) -> Any:
        first, args = operands[0], operands[1:]
        if first.kind == "ident":
            return self.call(first, args, dot, final)
        if args or final is not _NO_FINAL:
            if first.kind in ("field", "var", "dot", "pipe") and first.fields:
                raise self.fail(
                    first.line, first.text, f"{first.fields[-1]} is not a method but has arguments"
                )
            raise self.fail(
                first.line, first.text, f"can't give argument to non-function {first.text}"
            )
        if first.kind == "nil":
            raise self.fail(first.line, "nil", "nil is not a command")
        return self.operand(first, dot)

    def operand(self, operand: Operand, dot: Any) -> Any:
        kind = operand.kind
        if kind == "literal":
            return operand.value
        if kind == "nil":
            return None
        if kind == "ident":
            return self.call(operand, [], dot, _NO_FINAL)
        if kind == "pipe":
            mark = len(self.s.vars)
            value = self.pipe(operand.value, dot)
            del self.s.vars[mark:]
        elif kind == "var":
            value = self.var(operand.text, operand.line)
        else:
            value = dot
        for name in operand.fields:
            value = self.field(value, name, operand)
        return value

    def field(self, receiver: Any, name: str, operand: Operand) -> Any:
        if receiver is MISSING:
            return MISSING
        if isinstance(receiver, dict):
            return receiver.get(name, MISSING)
        if receiver is None:
            raise self.fail(
                operand.line, operand.text, f"nil pointer evaluating interface {{}}.{name}"
            )
        raise self.fail(
            operand.line, operand.text, f"can't evaluate field {name} in type {type_name(receiver)}"
        )

    def call(self, fn: Operand, args: list[Operand], dot: Any, final: Any) -> Any:
        name = fn.text
        if name in ("and", "or"):
            if not args and final is _NO_FINAL:
                raise self.fail(
                    fn.line, name, f"wrong number of args for {name}: want at least 1 got 0"
                )
            value: Any = None
            thunks: list[Callable[[], Any]] = [lambda a=a: self.operand(a, dot) for a in args]
            if final is not _NO_FINAL:
                thunks.append(lambda: final)
            for thunk in thunks:
                value = thunk()
                if truth(value) != (name == "and"):
                    break
            return value
        values = [self.operand(a, dot) for a in args]
        if final is not _NO_FINAL:
            values.append(final)
        try:
            return FUNCTIONS[name](values)
        except TemplateError:
            raise
        except BuiltinError as exc:
            raise self.fail(fn.line, name, f"error calling {name}: {exc}") from None


_NO_FINAL = object()


# ---- predefined functions ----------------------------------------------------------


def _arity(name: str, values: list[Any], n: int) -> None:
    if len(values) != n:
        raise TemplateError(f"wrong number of args for {name}: want {n} got {len(values)}")


def _not(values: list[Any]) -> bool:
    _arity("not", values, 1)
    return not truth(values[0])


def _len(values: list[Any]) -> int:
    _arity("len", values, 1)
    value = values[0]
    if isinstance(value, str):
        return IdealInt(len(value.encode("utf-8")))
    if isinstance(value, list | dict | bytes):
        return IdealInt(len(value))
    raise BuiltinError(f"len of type {type_name(value)}")


def _index_of(value: Any, length: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BuiltinError(f"cannot index slice/array with type {type_name(value)}")
    if not 0 <= value < length:
        raise BuiltinError(f"index out of range: {value}")
    return value


def _index(values: list[Any]) -> Any:
    if not values:
        raise TemplateError("wrong number of args for index: want at least 1 got 0")
    item = values[0]
    for key in values[1:]:
        if isinstance(item, list | str | bytes):
            item = item[_index_of(key, len(item))]
            if isinstance(item, str):
                item = IdealInt(ord(item))  # indexing a string gives a byte
        elif isinstance(item, dict):
            if not isinstance(key, str):
                raise BuiltinError(f"value has type {type_name(key)}; should be string")
            item = item.get(key, MISSING)
        elif item is None or item is MISSING:
            raise BuiltinError("index of untyped nil")
        else:
            raise BuiltinError(f"can't index item of type {type_name(item)}")
    return item


def _slice(values: list[Any]) -> Any:
    if not values:
        raise TemplateError("wrong number of args for slice: want at least 1 got 0")
    item, bounds = values[0], values[1:]
    if not isinstance(item, list | str | bytes):
        raise BuiltinError(f"can't slice item of type {type_name(item)}")
    if len(bounds) > 3 or (len(bounds) == 3 and not isinstance(item, list)):
        raise BuiltinError(f"too many slice indexes: {len(bounds)}")
    size = len(item.encode("utf-8")) if isinstance(item, str) else len(item)
    idx = [_index_of(b, size + 1) for b in bounds]
    if len(idx) >= 2 and idx[0] > idx[1]:
        raise BuiltinError(f"invalid slice index: {idx[0]} > {idx[1]}")
    start = idx[0] if idx else 0
    end = idx[1] if len(idx) > 1 else size
    if isinstance(item, str):
        return item.encode("utf-8")[start:end].decode("utf-8", "replace")
    return item[start:end]


def _kind(value: Any) -> str:
    if value is MISSING:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "other"


def _eq(values: list[Any]) -> bool:
    if len(values) < 2:
        raise BuiltinError("missing argument for comparison")
    first = values[0]
    for other in values[1:]:
        k1, k2 = _kind(first), _kind(other)
        if k1 != k2:
            if k1 != "invalid" and k2 != "invalid" and not (first is None or other is None):
                raise BuiltinError("incompatible types for comparison")
            truth_ = (first is None or first is MISSING) and (other is None or other is MISSING)
        elif k1 == "other":
            if not (first is None or other is None):
                raise BuiltinError("non-comparable types")
            truth_ = first is None and other is None
        else:
            truth_ = first == other
        if truth_:
            return True
    return False


def _less(values: list[Any]) -> bool:
    _arity("lt", values, 2)
    a, b = values
    ka, kb = _kind(a), _kind(b)
    if ka not in ("int", "float", "string") or kb not in ("int", "float", "string"):
        raise BuiltinError("invalid type for comparison")
    if ka != kb:
        raise BuiltinError("incompatible types for comparison")
    return a < b


def _printf(values: list[Any]) -> str:
    if not values or not isinstance(values[0], str):
        got = type_name(values[0]) if values else "nothing"
        raise BuiltinError(f"wrong type for value; expected string; got {got}")
    return sprintf(values[0], [_printed(v) for v in values[1:]])


def _printed(value: Any) -> Any:
    """An argument as fmt sees it: a missing value is a nil interface."""
    return None if value is MISSING else value


def _query_escape(values: list[Any]) -> str:
    return urllib.parse.quote_plus(_text(values), safe="")


def _text(values: list[Any]) -> str:
    """Arguments of html/js/urlquery: a lone string as it is, else fmt.Sprint of them all."""
    if len(values) == 1 and isinstance(values[0], str):
        return values[0]
    return sprint([_printed(v) for v in values])


def _call(values: list[Any]) -> Any:
    """CUE data holds no functions, so there is never anything to call."""
    raise BuiltinError(f"non-function of type {type_name(values[0]) if values else 'nil'}")


# `and` and `or` are not here: Exec.call evaluates their arguments lazily.
FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "not": _not,
    "len": _len,
    "index": _index,
    "slice": _slice,
    "print": lambda values: sprint([_printed(v) for v in values]),
    "println": lambda values: sprintln([_printed(v) for v in values]),
    "printf": _printf,
    "eq": _eq,
    "ne": lambda values: (_arity("ne", values, 2), not _eq(values))[1],
    "lt": _less,
    "le": lambda values: _less(values) or _eq(values),
    "gt": lambda values: not (_less(values) or _eq(values)),
    "ge": lambda values: not _less(values),
    "html": lambda values: html_escape(_text(values)),
    "js": lambda values: js_escape(_text(values)),
    "urlquery": _query_escape,
    "call": _call,
}


def execute(template: str, data: Any) -> str:
    """The template's output with `data` as dot."""
    templates = Parser(lex(template)).parse()
    decoded = _decode(data)
    state = _State(templates, [], [("$", decoded)])
    try:
        Exec(state).run(templates[""], decoded)
    except RecursionError:
        # the depth limits keep a template well within Python's stack on its own,
        # but the evaluator may already be deep when it calls Execute
        raise TemplateError("template: exceeded maximum template depth") from None
    return "".join(state.out)


MEMBERS = package(
    "text/template",
    [
        ("Execute", execute, "string _", "string"),
        ("HTMLEscape", html_escape, "string", "string"),
        ("JSEscape", js_escape, "string", "string"),
    ],
)
