"""The CUE lexer: source text to tokens, with automatic comma insertion.

One compiled master regex finds every token but strings, numbers need a
second look, and strings are scanned by hand because an interpolation
`\\(expr)` nests a whole token stream inside them. String tokens carry their
unescaped text pieces alternating with the token lists of the interpolated
expressions, so the parser never looks at raw string source again.
"""

from __future__ import annotations

import re
from typing import NoReturn

from cueflow.cue.ast import Pos
from cueflow.cue.errors import CueSyntaxError

__all__ = ["StringParts", "Token", "tokenize"]

StringParts = list["str | bytes | list[Token]"]
"""Unescaped pieces (str, or bytes for byte literals) alternating with token lists."""


class Token:
    """One token. `kind` is the operator text for punctuation, else a word.

    Kinds: `ident` (identifiers and keywords), `int`, `float` (value: source
    text), `string` (value: `(is_bytes, parts)`), `attr` (value: `(name, body)`),
    `eof`, and each operator or punctuation text. A comma inserted at a newline
    has kind `,` and value `newline`. `first` tells whether the token is the
    first one on its line (doc comments attach only to such tokens).
    """

    __slots__ = ("col", "first", "kind", "line", "value")

    def __init__(self, kind: str, value: object, line: int, col: int, first: bool) -> None:
        self.kind = kind
        self.value = value
        self.line = line
        self.col = col
        self.first = first

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.value!r}, {self.line}:{self.col})"


_DECIMALS = r"\d(?:_?\d)*"
_MASTER = re.compile(
    r"(?P<ws>[ \t\r]+)"
    r"|(?P<nl>\n)"
    r"|(?P<comment>//[^\n]*)"
    r"|(?P<str>\#*[\"'])"
    r"|(?P<num>0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*"
    rf"|(?:{_DECIMALS}(?:\.(?:{_DECIMALS})?)?|\.{_DECIMALS})(?:[eE][+-]?{_DECIMALS}|[KMGTP]i?)?)"
    r"|(?P<op>\.\.\.|_\|_|&&|\|\||==|!=|<=|>=|=~|!~|[-+*/&|<>=!:?,.(){}\[\]])"
    r"|(?P<ident>(?:_?\#)?(?:[^\W\d]|\$)[\w$]*)"
    r"|(?P<attr>@)"
)
_IDENT = re.compile(r"(?:_?\#)?(?:[^\W\d]|\$)[\w$]*")

# A newline after one of these token kinds ends the element: a comma is inserted.
_COMMA_AFTER = frozenset(
    {"ident", "int", "float", "string", "attr", "_|_", ")", "]", "}", "?", "..."}
)
# After these, `.5` is a selector dot followed by a number, never a float.
_NO_FLOAT_AFTER = _COMMA_AFTER | {"."}

_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "/": "/",
    "\\": "\\",
}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_STRING_SPECIALS = {q: re.compile(rf"[\\\n{q}]") for q in "\"'"}
_ATTR_SPECIALS = re.compile(r"[()\[\]{}\"'\n]")


def tokenize(source: str, filename: str = "-") -> tuple[list[Token], dict[int, str]]:
    """Split `source` into tokens ending with `eof`.

    Also returns the comments that stand alone on their line, keyed by line
    number, with `//` and one following space removed: the parser takes a
    field's doc comment from them.
    """
    lexer = _Lexer(source, filename)
    tokens, _ = lexer.scan(0, interpolation=False)
    return tokens, lexer.comments


class _Lexer:
    __slots__ = ("comments", "filename", "first", "line", "line_start", "src")

    def __init__(self, src: str, filename: str) -> None:
        self.src = src
        self.filename = filename
        self.line = 1
        self.line_start = 0
        self.first = True
        self.comments: dict[int, str] = {}

    def pos(self, offset: int) -> Pos:
        """The position of `offset`, which must lie on the current line."""
        return Pos(self.filename, self.line, offset - self.line_start + 1)

    def error(self, message: str, offset: int) -> NoReturn:
        raise CueSyntaxError(message, positions=[self.pos(offset)])

    def scan(self, pos: int, interpolation: bool) -> tuple[list[Token], int]:
        """Tokens from `pos` to the end, or to the `)` closing an interpolation.

        Returns the tokens (ending with `eof`) and the offset after the last one.
        """
        src = self.src
        end = len(src)
        toks: list[Token] = []
        append = toks.append
        match = _MASTER.match
        depth = 0
        while True:
            if pos >= end:
                if interpolation:
                    self.error("interpolation not terminated: expected ')'", pos)
                if toks and toks[-1].kind in _COMMA_AFTER:
                    append(Token(",", "newline", self.line, pos - self.line_start + 1, False))
                append(Token("eof", "EOF", self.line, pos - self.line_start + 1, self.first))
                return toks, pos
            m = match(src, pos)
            if m is None:
                self.error(f"illegal character {src[pos]!r}", pos)
            group = m.lastgroup
            if group == "ws":
                pos = m.end()
                continue
            if group == "nl":
                if not interpolation and toks and toks[-1].kind in _COMMA_AFTER:
                    append(Token(",", "newline", self.line, pos - self.line_start + 1, False))
                pos = m.end()
                self.line += 1
                self.line_start = pos
                self.first = True
                continue
            if group == "comment":
                if self.first and not interpolation:
                    text = m.group()[2:]
                    self.comments[self.line] = (text[1:] if text[:1] == " " else text).rstrip("\r")
                pos = m.end()
                continue
            col = pos - self.line_start + 1
            if group == "op":
                text = m.group()
                if interpolation:
                    if text in _OPEN:
                        depth += 1
                    elif text in _CLOSE:
                        if depth == 0 and text == ")":
                            append(Token("eof", ")", self.line, col, self.first))
                            return toks, m.end()
                        depth -= 1
                append(Token(text, text, self.line, col, self.first))
                pos = m.end()
            elif group == "ident":
                name = m.group()
                if name.startswith("__"):
                    self.error(f"identifiers starting with '__' are reserved: {name}", pos)
                append(Token("ident", name, self.line, col, self.first))
                pos = m.end()
            elif group == "num":
                text = m.group()
                if text[0] == "." and toks and toks[-1].kind in _NO_FLOAT_AFTER:
                    append(Token(".", ".", self.line, col, self.first))
                    pos += 1
                    continue
                kind = _number_kind(text)
                if kind == "int" and len(text) > 1 and text[0] == "0" and text[1].isdigit():
                    self.error(f"illegal integer literal {text}: leading zero", pos)
                append(Token(kind, text, self.line, col, self.first))
                pos = m.end()
            elif group == "str":
                line, first = self.line, self.first
                value, pos = self.scan_string(pos, m.end())
                append(Token("string", value, line, col, first))
            else:  # attr
                value, pos = self.scan_attribute(pos)
                append(Token("attr", value, self.line, col, self.first))
            self.first = False

    def scan_attribute(self, start: int) -> tuple[tuple[str, str], int]:
        """`@name(body)`: the body is kept raw; brackets must balance, strings are skipped."""
        src = self.src
        m = _IDENT.match(src, start + 1)
        if m is None or not src.startswith("(", m.end()):
            self.error("expected attribute name and '(' after '@'", start)
        body_start = pos = m.end() + 1
        depth = 0
        while True:
            s = _ATTR_SPECIALS.search(src, pos)
            if s is None or s.group() == "\n":
                self.error("attribute not terminated: expected ')'", start)
            c = s.group()
            pos = s.end()
            if c in "\"'":
                pos = self.skip_attribute_string(c, s.start())
            elif c in _OPEN:
                depth += 1
            elif depth == 0 and c == ")":
                return (m.group(), src[body_start : s.start()]), pos
            else:
                depth -= 1

    def skip_attribute_string(self, quote: str, start: int) -> int:
        src = self.src
        pos = start + 1
        while True:
            s = _STRING_SPECIALS[quote].search(src, pos)
            if s is None or s.group() == "\n":
                self.error("string literal not terminated", start)
            if s.group() == "\\":
                pos = s.end() + 1
                continue
            return s.end()

    def scan_string(self, start: int, after_quote: int) -> tuple[tuple[bool, StringParts], int]:
        """Scan a string or bytes literal starting at `start` (its `#`s or quote)."""
        src = self.src
        start_pos = self.pos(start)
        quote = src[after_quote - 1]
        hashes = after_quote - 1 - start
        multiline = src.startswith(quote * 3, after_quote - 1)
        if multiline:
            pos = after_quote + 2
            while src.startswith(("\r", " ", "\t"), pos):
                pos += 1
            if not src.startswith("\n", pos):
                self.error(f"expected newline after opening {quote * 3}", pos)
            pos += 1
            self.line += 1
            self.line_start = pos
            close = quote * 3 + "#" * hashes
        else:
            pos = after_quote
            close = quote + "#" * hashes
        escape = "\\" + "#" * hashes
        specials = _STRING_SPECIALS[quote]
        pieces: list[str] = []
        interpolations: list[list[Token]] = []
        piece_start = pos
        while True:
            s = specials.search(src, pos)
            if s is None or (s.group() == "\n" and not multiline):
                raise CueSyntaxError("string literal not terminated", positions=[start_pos])
            p = s.start()
            c = s.group()
            if c == "\n":
                pos = p + 1
                self.line += 1
                self.line_start = pos
            elif c == quote:
                if not src.startswith(close, p):
                    pos = p + 1
                    continue
                if multiline and src[self.line_start : p].strip(" \t"):
                    self.error(f"closing {quote * 3} must be on a line of its own", p)
                pieces.append(src[piece_start:p])
                pos = p + len(close)
                break
            elif not src.startswith(escape, p):
                pos = p + 1
            elif src.startswith("(", p + len(escape)):
                pieces.append(src[piece_start:p])
                tokens, pos = self.scan(p + len(escape) + 1, interpolation=True)
                interpolations.append(tokens)
                piece_start = pos
            else:
                pos = self.check_escape(p + len(escape), quote, multiline)
        if multiline:
            pieces = _dedent(pieces, start_pos)
        is_bytes = quote == "'"
        parts: StringParts = []
        for i, piece in enumerate(pieces):
            if i:
                parts.append(interpolations[i - 1])
            parts.append(_unescape(piece, escape, is_bytes, start_pos))
        return (is_bytes, parts), pos

    def check_escape(self, k: int, quote: str, multiline: bool) -> int:
        """Validate the escape whose letter is at `k`; return the offset after it."""
        src = self.src
        c = src[k : k + 1]
        if c in _SIMPLE_ESCAPES or c == quote:
            return k + 1
        if c == "\n" and multiline:
            self.line += 1
            self.line_start = k + 1
            return k + 1
        width = {"x": 2, "u": 4, "U": 8}.get(c)
        if width is not None:
            digits = src[k + 1 : k + 1 + width]
            if len(digits) != width or not _HEX_DIGITS.issuperset(digits):
                self.error(f"escape sequence \\{c} needs {width} hexadecimal digits", k - 1)
            code = int(digits, 16)
            if c != "x" and (code > 0x10FFFF or 0xD800 <= code <= 0xDFFF):
                self.error("escape sequence is an invalid Unicode code point", k - 1)
            return k + 1 + width
        if "0" <= c <= "7":
            digits = src[k : k + 3]
            if len(digits) != 3 or not all("0" <= d <= "7" for d in digits):
                self.error("octal escape sequence needs 3 octal digits", k - 1)
            if int(digits, 8) > 255:
                self.error("octal escape sequence value is greater than 255", k - 1)
            return k + 3
        shown = "newline" if c == "\n" else repr(c)
        self.error(f"unknown escape sequence \\{shown}" if c else "unknown escape sequence", k - 1)


def _dedent(pieces: list[str], start: Pos) -> list[str]:
    """Drop the newline before the closing quotes and its indentation from every line."""
    last = pieces[-1]
    cut = last.rfind("\n")
    if cut < 0:  # the closing quotes are on the line right after the opening ones
        return [""]
    indent = last[cut + 1 :]
    pieces[-1] = last[:cut]
    out = []
    count = len(pieces)
    for i, piece in enumerate(pieces):
        lines = piece.split("\n")
        for j in range(0 if i == 0 else 1, len(lines)):
            text = lines[j]
            if text.startswith(indent):
                lines[j] = text[len(indent) :]
            elif (j < len(lines) - 1 or i == count - 1) and not text.strip(" \t\r"):
                lines[j] = ""
            else:
                raise CueSyntaxError(
                    "invalid indentation in multi-line string: "
                    f"every line must start with the closing quotes' indentation {indent!r}",
                    positions=[start],
                )
        out.append("\n".join(lines))
    return out


def _unescape(raw: str, escape: str, is_bytes: bool, start: Pos) -> str | bytes:
    """Resolve the (already validated) escapes in one literal piece."""
    if "\r" in raw:
        raw = raw.replace("\r", "")
    if escape not in raw:
        return raw.encode() if is_bytes else raw
    buf = bytearray()
    i = 0
    while True:
        j = raw.find(escape, i)
        if j < 0:
            buf += raw[i:].encode()
            break
        buf += raw[i:j].encode()
        k = j + len(escape)
        c = raw[k]
        if c in _SIMPLE_ESCAPES:
            buf += _SIMPLE_ESCAPES[c].encode()
            i = k + 1
        elif c == "x":
            buf.append(int(raw[k + 1 : k + 3], 16))
            i = k + 3
        elif c in "uU":
            width = 4 if c == "u" else 8
            buf += chr(int(raw[k + 1 : k + 1 + width], 16)).encode()
            i = k + 1 + width
        elif "0" <= c <= "7":
            buf.append(int(raw[k : k + 3], 8))
            i = k + 3
        elif c == "\n":  # a line continuation
            i = k + 1
        else:  # an escaped quote
            buf += c.encode()
            i = k + 1
    if is_bytes:
        return bytes(buf)
    try:
        return buf.decode()
    except UnicodeDecodeError:
        raise CueSyntaxError("string literal is not valid UTF-8", positions=[start]) from None


def _number_kind(text: str) -> str:
    if text[:2] in ("0x", "0X", "0o", "0b") or text[-1] in "KMGTPi":
        return "int"
    return "float" if any(c in text for c in ".eE") else "int"
