"""The CUE lexer: source text to tokens, with automatic comma insertion.

One compiled master regex finds each token. Numbers get a second check so
that malformed ones get precise errors, and strings with escapes are scanned
by hand because an interpolation `\\(expr)` nests a whole token stream inside
them. String tokens carry their unescaped text pieces alternating with the
token lists of the interpolated expressions, so the parser never looks at raw
string source again.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

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
    first one on its line (doc comments attach only to such tokens). `pos` is
    filled in by the parser when a node needs it, so nodes built from one token
    share one position.
    """

    __slots__ = ("col", "first", "kind", "line", "pos", "value")

    def __init__(self, kind: str, value: Any, line: int, col: int, first: bool) -> None:
        self.kind = kind
        self.value = value
        self.line = line
        self.col = col
        self.first = first
        self.pos: Pos | None = None

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.value!r}, {self.line}:{self.col})"


# Numbers are matched loosely and checked by `_number_kind`, for precise errors.
_MASTER = re.compile(
    r"[ \t\r]*(?:(?P<nl>\n)"
    r"|(?P<comment>//[^\n]*)"
    r"|(?P<plain>\"[^\"\\\n]*\"(?!\"))"
    r"|(?P<str>\#*[\"'])"
    r"|(?P<num>0[xXob][0-9a-zA-Z_]*"
    r"|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]*|[KMGTP]i?)?)"
    r"|(?P<op>\.\.\.|_\|_|&&|\|\||==|!=|<=|>=|=~|!~|[-+*/&|<>=!:?,.(){}\[\]])"
    r"|(?P<ident>_?\#(?:[^\W\d]|\$)[\w$]*|_\#|\#(?![\"'#])|(?:[^\W\d]|\$)[\w$]*)"
    r"|(?P<attr>@))"
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
_LOW_SURROGATE = re.compile(r"\\#*u([dD][c-fC-F][0-9a-fA-F]{2})")
_STRING_SPECIALS = {q: re.compile(rf"[\\\n{q}]") for q in "\"'"}
_ATTR_SPECIALS = re.compile(r"[()\[\]{}\"'\n]")


def tokenize(source: str, filename: str = "-") -> tuple[list[Token], dict[int, str]]:
    """Split `source` into tokens ending with `eof`.

    Also returns the comments that stand alone on their line, keyed by line
    number, with `//` and one following space removed: the parser takes a
    field's doc comment from them.
    """
    lexer = _Lexer(source, filename)
    tokens, _ = lexer.scan(1 if source.startswith("\ufeff") else 0, interpolation=False)
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
        Line bookkeeping lives in locals here (this loop is the lexer's hot path)
        and is written back to `self` around calls that scan strings or fail.
        """
        src = self.src
        toks: list[Token] = []
        append = toks.append
        match = _MASTER.match
        comma_after = _COMMA_AFTER
        line, line_start, first = self.line, self.line_start, self.first
        last = ""  # kind of the last token
        depth = 0
        while True:
            m = match(src, pos)
            if m is None:
                pos = _skip_blanks(src, pos)
                self.line, self.line_start = line, line_start
                if pos < len(src):
                    self.error(f"illegal character {src[pos]!r}", pos)
                if interpolation:
                    self.error("interpolation not terminated: expected ')'", pos)
                col = pos - line_start + 1
                if last in comma_after:
                    append(Token(",", "newline", line, col, False))
                append(Token("eof", "EOF", line, col, first))
                return toks, pos
            group = m.lastgroup
            start = m.start(group)
            pos = m.end()
            if group == "ident":
                name = m.group(group)
                if name[:2] == "__":
                    self.line, self.line_start = line, line_start
                    self.error(f"identifiers starting with '__' are reserved: {name}", start)
                append(Token("ident", name, line, start - line_start + 1, first))
                last = "ident"
            elif group == "op":
                text = m.group(group)
                if (text == "," or text == ":") and last == "newline":
                    toks.pop()  # JSON style: a line may start with the comma or colon
                if interpolation:
                    if text in _OPEN:
                        depth += 1
                    elif text in _CLOSE:
                        if depth == 0 and text == ")":
                            append(Token("eof", ")", line, start - line_start + 1, first))
                            self.line, self.line_start, self.first = line, line_start, first
                            return toks, pos
                        depth -= 1
                append(Token(text, text, line, start - line_start + 1, first))
                last = text
            elif group == "nl":
                if last in comma_after and not interpolation:
                    append(Token(",", "newline", line, start - line_start + 1, False))
                    last = "newline"
                line += 1
                line_start = pos
                first = True
                continue
            elif group == "comment":
                if interpolation:
                    continue
                if first:  # a comment on a line of its own: a doc comment candidate
                    text = m.group(group)[2:]
                    if text[:1] == " ":
                        text = text[1:]
                    self.comments[line] = text.rstrip("\r")
                    if last == "newline":
                        last = ","  # the comma stays, even before a line starting with `,`/`:`
                elif last in comma_after:  # the comment ends the line: insert the comma here
                    append(Token(",", "newline", line, start - line_start + 1, False))
                    last = ","
                continue
            elif group == "plain":  # a string without escapes or interpolations
                text = m.group(group)[1:-1]
                if "\r" in text:
                    text = text.replace("\r", "")
                append(Token("string", (False, [text]), line, start - line_start + 1, first))
                last = "string"
            elif group == "num":
                text = m.group(group)
                if text[0] == "." and last in _NO_FLOAT_AFTER:
                    append(Token(".", ".", line, start - line_start + 1, first))
                    last = "."
                    pos = start + 1
                else:
                    kind = _number_kind(text)
                    if kind != "int" and kind != "float":
                        self.line, self.line_start = line, line_start
                        self.error(kind, start)
                    append(Token(kind, text, line, start - line_start + 1, first))
                    last = kind
            else:  # a string or an attribute, which may span lines
                self.line, self.line_start = line, line_start
                if group == "str":
                    value, pos = self.scan_string(start, pos)
                    append(Token("string", value, line, start - line_start + 1, first))
                    last = "string"
                else:
                    attr, pos = self.scan_attribute(start)
                    append(Token("attr", attr, line, start - line_start + 1, first))
                    last = "attr"
                line, line_start = self.line, self.line_start
            first = False

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
        # `#"""#` is the one-character string `"`, not a multi-line opening.
        multiline = src.startswith(quote * 3, after_quote - 1) and not (
            hashes and src.startswith("#" * hashes, after_quote + 2)
        )
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
        escaped_newline = -1  # offset of the last newline escaped with `\`
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
                if multiline and escaped_newline == self.line_start - 1:
                    raise CueSyntaxError(
                        "the last newline of a multi-line string cannot be escaped",
                        positions=[start_pos],
                    )
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
                k = p + len(escape)
                pos = self.check_escape(k, quote, multiline, start_pos)
                if src[k] == "\n":
                    escaped_newline = k
        if multiline:
            pieces = _dedent(pieces, start_pos)
        is_bytes = quote == "'"
        parts: StringParts = []
        for i, piece in enumerate(pieces):
            if i:
                parts.append(interpolations[i - 1])
            parts.append(_unescape(piece, escape, is_bytes, start_pos))
        return (is_bytes, parts), pos

    def check_escape(self, k: int, quote: str, multiline: bool, literal: Pos) -> int:
        """Validate the escape whose letter is at `k`; return the offset after it.

        Byte escapes (`\\x41`, `\\101`) are for bytes literals only: in a string CUE
        rejects the whole literal (at `literal`, its start) once the escape is well-formed.
        """
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
            if code > 0x10FFFF:
                self.error("escape sequence is an invalid Unicode code point", k - 1)
            if c == "x" and quote == '"':
                raise _byte_escape_error(src[k : k + 3], literal)
            return k + 1 + width
        if "0" <= c <= "7":
            digits = src[k : k + 3]
            if len(digits) != 3 or not all("0" <= d <= "7" for d in digits):
                self.error("octal escape sequence needs 3 octal digits", k - 1)
            if int(digits, 8) > 255:
                self.error("octal escape sequence value is greater than 255", k - 1)
            if quote == '"':
                raise _byte_escape_error(digits, literal)
            return k + 3
        shown = "newline" if c == "\n" else repr(c)
        self.error(f"unknown escape sequence \\{shown}" if c else "unknown escape sequence", k - 1)


def _byte_escape_error(escape: str, literal: Pos) -> CueSyntaxError:
    """A byte escape in a string (not bytes) literal: CUE rejects the literal as a whole."""
    return CueSyntaxError(
        f"invalid string: byte escape \\{escape} is only allowed in a bytes literal ('...')",
        positions=[literal],
    )


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
    line = start.line + 1  # the line each piece starts on (newlines in interpolations aside)
    for i, piece in enumerate(pieces):
        lines = piece.split("\n")
        for j in range(0 if i == 0 else 1, len(lines)):
            text = lines[j]
            if text.startswith(indent):
                lines[j] = text[len(indent) :]
            elif (j < len(lines) - 1 or i == count - 1) and text in ("", "\r"):
                lines[j] = ""
            else:
                raise CueSyntaxError(
                    "invalid indentation in multi-line string: "
                    f"every line must start with the closing quotes' indentation {indent!r}",
                    positions=[Pos(start.filename, line + j, 1)],
                )
        line += len(lines) - 1
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
            i = k + 1 + width
            code = int(raw[k + 1 : i], 16)
            if 0xD800 <= code <= 0xDFFF:  # must be a high half escaped right before a low one
                low = _LOW_SURROGATE.match(raw, i)
                if code >= 0xDC00 or low is None or not low.group().startswith(escape):
                    raise CueSyntaxError("unmatched surrogate pair", positions=[start])
                code = 0x10000 + ((code - 0xD800) << 10) + (int(low.group(1), 16) - 0xDC00)
                i = low.end()
            buf += chr(code).encode()
        elif "0" <= c <= "7":
            buf.append(int(raw[k : k + 3], 8))
            i = k + 3
        elif c == "\n":  # a line continuation
            i = k + 1
        else:  # an escaped quote
            buf += c.encode()
            i = k + 1
    return bytes(buf) if is_bytes else buf.decode()  # strings hold no byte escapes


_BASES = {
    "x": ("hexadecimal", "0-9a-fA-F"),
    "X": ("hexadecimal", "0-9a-fA-F"),
    "o": ("octal", "0-7"),
    "b": ("binary", "01"),
}
_BASE_DIGITS = {
    letter: re.compile(rf"_?[{digits}](?:_?[{digits}])*") for letter, (_, digits) in _BASES.items()
}
_MISPLACED_UNDERSCORE = re.compile(r"(?<![0-9])_|_(?![0-9])")


def _skip_blanks(src: str, pos: int) -> int:
    while pos < len(src) and src[pos] in " \t\r":
        pos += 1
    return pos


def _number_kind(text: str) -> str:
    """`int` or `float` for a well-formed number, else the error message."""
    if text.isdigit() and (text[0] != "0" or len(text) == 1):
        return "int"
    if text[0] == "0" and text[1:2] in _BASES:
        if not _BASE_DIGITS[text[1]].fullmatch(text, 2):
            return f"illegal {_BASES[text[1]][0]} number {text}"
        return "int"
    if _MISPLACED_UNDERSCORE.search(text):
        return f"illegal '_' in number {text}"
    if text[-1] in "eE+-":
        return f"illegal exponent in number {text}"
    if text[-1] in "KMGTPi":
        return "int"
    if any(c in text for c in ".eE"):
        return "float"
    if len(text) > 1 and text[0] == "0":
        return f"illegal integer number {text}: a leading 0 is only allowed in floats"
    return "int"
