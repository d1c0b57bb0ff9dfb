"""The CUE parser: tokens to the syntax tree in `cueflow.cue.ast`.

A recursive-descent parser with precedence climbing for binary operators.
Declarations are parsed as an expression first and turned into a label when a
`:` (or `?:`, `!:`) follows, the way the grammar's `Label` is a subset of
expressions; a value followed by another `:` continues a label chain.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NoReturn

from cueflow.cue import ast
from cueflow.cue.errors import CueSyntaxError
from cueflow.cue.lexer import Token, tokenize

__all__ = ["parse_expr", "parse_file"]

# Binary operator precedence, lowest first: | & || && comparisons + - * /.
_PRECEDENCE = {
    "|": 1,
    "&": 2,
    "||": 3,
    "&&": 4,
    "==": 5,
    "!=": 5,
    "<": 5,
    "<=": 5,
    ">": 5,
    ">=": 5,
    "=~": 5,
    "!~": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
}
_UNARY = frozenset({"+", "-", "!", "*", "<", "<=", ">", ">=", "!=", "=~", "!~"})
_CLAUSE_KEYWORDS = frozenset({"for", "if", "let"})
# After `for` or `if`, these tokens make the keyword a name (`if: 1`, `for?: x`).
_KEYWORD_AS_NAME = frozenset({":", "=", "?", ",", "eof"})
_MULTIPLIERS = {
    p + i: (1024 if i else 1000) ** (n + 1) for n, p in enumerate("KMGTP") for i in ("", "i")
}
# Characters an import path may not hold (before its optional `:package` suffix).
_IMPORT_ILLEGAL = frozenset("!\"#$%&'()*,:;<=>?[\\]^{|}`\ufffd \t")
# Tokens that end an ellipsis with no type: `...` then one of these.
_ELLIPSIS_END = frozenset({",", "}", "]", ")", "eof"})


def parse_file(source: str, filename: str = "-") -> ast.File:
    """Parse a whole CUE file; raises `CueSyntaxError` naming file:line:col.

    Like CUE, it also rejects a let or alias that nothing references or that a field
    name clashes with.
    """
    try:
        tokens, comments = tokenize(source, filename)
        file = _Parser(tokens, filename, comments).file()
        _Resolver().check_file(file)
    except RecursionError:
        raise _too_deep(filename) from None
    return file


def parse_expr(source: str, filename: str = "-") -> ast.Expr:
    """Parse a single CUE expression (a newline or comma may follow it)."""
    try:
        tokens, comments = tokenize(source, filename)
        parser = _Parser(tokens, filename, comments)
        expr = parser.expr()
        if parser.tok.kind == ",":
            parser.advance()
        if parser.tok.kind != "eof":
            parser.fail(f"expected end of expression, found {_describe(parser.tok)}")
        _Resolver().check([ast.Embed(expr.pos, expr)], _Scope(None))
    except RecursionError:
        raise _too_deep(filename) from None
    return expr


def _too_deep(filename: str) -> CueSyntaxError:
    """Nesting beyond Python's recursion limit (hundreds of levels) is refused."""
    return CueSyntaxError("expression nesting is too deep", positions=[ast.Pos(filename, 1, 1)])


def _describe(tok: Token) -> str:
    """How an error message names a token: `'}'`, `'foo'`, `newline`, `'EOF'`."""
    kind = tok.kind
    if kind == "string":
        return "string literal"
    if kind == "attr":
        return f"attribute '@{tok.value[0]}'"
    if kind == "," and tok.value == "newline":
        return "newline"
    return f"'{tok.value}'"


class _Parser:
    __slots__ = ("comments", "filename", "i", "tok", "toks")

    def __init__(self, toks: list[Token], filename: str, comments: dict[int, str]) -> None:
        self.toks = toks
        self.filename = filename
        self.comments = comments
        self.i = 0
        self.tok = toks[0]

    # --- helpers -------------------------------------------------------------

    def advance(self) -> None:
        self.i += 1
        self.tok = self.toks[self.i]

    def peek(self, n: int = 1) -> Token:
        toks = self.toks
        return toks[min(self.i + n, len(toks) - 1)]

    def pos(self, tok: Token) -> ast.Pos:
        pos = tok.pos
        if pos is None:
            pos = tok.pos = ast.Pos(self.filename, tok.line, tok.col)
        return pos

    def fail(self, message: str, tok: Token | None = None) -> NoReturn:
        raise CueSyntaxError(message, positions=[self.pos(tok or self.tok)])

    def expect(self, kind: str, context: str) -> Token:
        tok = self.tok
        if tok.kind != kind:
            self.fail(f"expected '{kind}' {context}, found {_describe(tok)}")
        self.advance()
        return tok

    def ident(self, context: str) -> Token:
        return self.expect("ident", context)

    def doc(self, tok: Token) -> list[str]:
        """The comment lines right above `tok`, if it starts its line."""
        if not tok.first:
            return []
        comments = self.comments
        line = tok.line - 1
        while line in comments:
            line -= 1
        return [comments[n] for n in range(line + 1, tok.line)]

    def keyword_is_name(self) -> bool:
        """Whether the `for` or `if` here is a field name or reference, not a clause."""
        nxt = self.peek().kind
        if nxt in _KEYWORD_AS_NAME:
            return True
        if nxt == "!":  # `for!: x` is a required field; `if !x {...}` is a guard
            return self.tok.value == "for" or self.peek(2).kind == ":"
        return False

    def misplaced_clause(self, word: str) -> bool:
        """Whether the `for` or `if` just read as an operand starts a clause instead."""
        kind = self.tok.kind
        if word == "for":
            return kind == "ident"
        if word == "if":
            return kind in ("ident", "string", "(") or (kind == "!" and self.peek().kind != ":")
        return False

    # --- file and declarations -----------------------------------------------

    def file(self) -> ast.File:
        attrs: list[ast.Attribute] = []
        while self.tok.kind == "attr":
            attrs.append(self.attribute())
            self.end_decl("eof")
        package = None
        if self.tok.kind == "ident" and self.tok.value == "package" and self.peek().kind == "ident":
            self.advance()
            package = str(self.tok.value)
            if package == "_":
                self.fail("invalid package name _")
            self.advance()
            self.end_decl("eof")
        imports: list[ast.ImportSpec] = []
        while (
            self.tok.kind == "ident"
            and self.tok.value == "import"
            and self.peek().kind in ("string", "(", "ident")
        ):
            self.advance()
            if self.tok.kind == "(":
                self.advance()
                while self.tok.kind != ")":
                    imports.append(self.import_spec())
                    if self.tok.kind == ",":
                        self.advance()
                    elif self.tok.kind != ")":
                        self.fail(
                            f"expected ',' or ')' in import list, found {_describe(self.tok)}"
                        )
                self.advance()
            else:
                imports.append(self.import_spec())
            self.end_decl("eof")
        decls = self.decls("eof")
        pos = ast.Pos(self.filename, 1, 1)
        return ast.File(pos, self.filename, package, imports, decls, attrs)

    def import_spec(self) -> ast.ImportSpec:
        first = self.tok
        alias = None
        if first.kind == "ident":
            alias = str(first.value)
            if alias.startswith(("#", "_#")):
                self.fail("cannot import package as definition identifier")
            self.advance()
        tok = self.tok
        if tok.kind != "string":
            self.fail(f"expected import path (a string), found {_describe(tok)}")
        is_bytes, parts = tok.value
        if is_bytes or len(parts) != 1:
            self.fail("import path must be a plain double-quoted string", tok)
        path = str(parts[0])
        location = path.rpartition(":")[0] if ":" in path else path
        if not location or any(c in _IMPORT_ILLEGAL or not c.isprintable() for c in location):
            self.fail(f"invalid import path: {path!r}", tok)
        self.advance()
        return ast.ImportSpec(self.pos(first), path, alias)

    def end_decl(self, closing: str) -> None:
        kind = self.tok.kind
        if kind == ",":
            self.advance()
        elif kind != closing:
            where = "end of file" if closing == "eof" else f"'{closing}'"
            self.fail(
                f"expected ',' or newline or {where} after declaration, found {_describe(self.tok)}"
            )

    def decls(self, closing: str) -> list[ast.Decl]:
        out: list[ast.Decl] = []
        while self.tok.kind != closing:
            if self.tok.kind == "eof":
                self.fail(f"expected '{closing}', found 'EOF'")
            out.append(self.decl())
            self.end_decl(closing)
        return out

    def decl(self) -> ast.Decl:
        tok = self.tok
        kind = tok.kind
        if kind == "ident":
            word = tok.value
            if word in ("for", "if") and not self.keyword_is_name():
                return self.comprehension()
            if word == "let" and self.peek().kind == "ident" and self.peek(2).kind == "=":
                return self.let_clause()
        elif kind == "...":
            return self.ellipsis()
        elif kind == "attr":
            return self.attribute()
        elif kind in (",", "eof", "}"):
            self.fail(f"expected declaration, found {_describe(tok)}")
        expr = self.alias_expr()
        if self.tok.kind in (":", "?", "!"):
            return self.field(expr, self.doc(tok))
        if isinstance(expr, ast.Alias):
            self.fail(
                f"old-style alias {expr.name}=... is not supported: use let {expr.name} = ...", tok
            )
        return ast.Embed(expr.pos, expr)

    def field(self, label_expr: ast.Expr, doc: list[str]) -> ast.Field:
        """The rest of a field whose label was parsed as `label_expr`."""
        pos = label_expr.pos
        alias = None
        if isinstance(label_expr, ast.Alias):
            alias = label_expr.name
            label_expr = label_expr.expr
        label = self.label(label_expr)
        constraint = ""
        if self.tok.kind in ("?", "!"):
            constraint = self.tok.kind
            if isinstance(label, ast.PatternLabel):
                what = "optional" if constraint == "?" else "required"
                self.fail(f"a pattern constraint cannot be marked {what}")
            self.advance()
        if self.tok.kind != ":":
            self.fail(f"expected ':' after label, found {_describe(self.tok)}")
        self.advance()
        value = self.alias_expr()
        attrs: list[ast.Attribute] = []
        if self.tok.kind in (":", "?", "!"):
            inner = self.field(value, [])
            value = ast.StructLit(inner.pos, [inner])
        else:
            while self.tok.kind == "attr":
                attrs.append(self.attribute())
        return ast.Field(pos, label, value, constraint, alias, attrs, doc)

    def label(self, expr: ast.Expr) -> ast.Label | ast.DynamicLabel | ast.PatternLabel:
        """Turn an expression parsed in label position into a label, or fail."""
        if isinstance(expr, ast.Ident):
            return ast.Label(expr.pos, expr.name)
        if isinstance(expr, ast.StringLit):
            return ast.Label(expr.pos, expr.value, quoted=True)
        if isinstance(expr, ast.BoolLit):
            return ast.Label(expr.pos, "true" if expr.value else "false")
        if isinstance(expr, ast.NullLit):
            return ast.Label(expr.pos, "null")
        if isinstance(expr, ast.Interpolation) and not expr.is_bytes:
            return ast.DynamicLabel(expr.pos, expr)
        if isinstance(expr, ast.ParenExpr):
            return ast.DynamicLabel(expr.pos, expr.x)
        if isinstance(expr, ast.ListLit) and len(expr.elems) == 1 and expr.ellipsis is None:
            elem = expr.elems[0]
            if isinstance(elem, ast.Alias):
                return ast.PatternLabel(expr.pos, elem.expr, elem.name)
            if not isinstance(elem, ast.Comprehension):
                return ast.PatternLabel(expr.pos, elem)
        raise CueSyntaxError(
            "invalid label: expected an identifier, a string, '(expr)' or '[pattern]'",
            positions=[expr.pos],
        )

    def attribute(self) -> ast.Attribute:
        tok = self.tok
        name, body = tok.value
        self.advance()
        return ast.Attribute(self.pos(tok), name, body)

    def ellipsis(self) -> ast.Ellipsis:
        tok = self.tok
        self.advance()
        typ = None if self.tok.kind in _ELLIPSIS_END else self.expr()
        return ast.Ellipsis(self.pos(tok), typ)

    def let_clause(self) -> ast.LetClause:
        tok = self.tok
        self.advance()
        name = str(self.ident("after 'let'").value)
        self.expect("=", f"after 'let {name}'")
        return ast.LetClause(self.pos(tok), name, self.expr())

    def comprehension(self) -> ast.Comprehension:
        start = self.tok
        clauses: list[ast.Clause] = []
        while True:
            clauses.append(self.clause())
            if self.tok.kind == ",":  # clauses may be separated by commas or newlines
                self.advance()
            tok = self.tok
            if tok.kind != "ident" or tok.value not in _CLAUSE_KEYWORDS:
                break
        if self.tok.kind != "{":
            self.fail(f"expected '{{' after comprehension clause, found {_describe(self.tok)}")
        return ast.Comprehension(self.pos(start), clauses, self.struct())

    def clause(self) -> ast.Clause:
        tok = self.tok
        word = tok.value
        if word == "let":
            return self.let_clause()
        self.advance()
        if word == "if":
            return ast.IfClause(self.pos(tok), self.expr())
        first = str(self.ident("after 'for'").value)
        key, value = None, first
        if self.tok.kind == ",":
            self.advance()
            key, value = first, str(self.ident(f"after 'for {first},'").value)
        in_tok = self.tok
        if in_tok.kind != "ident" or in_tok.value != "in":
            self.fail(f"expected 'in' in for clause, found {_describe(in_tok)}")
        self.advance()
        return ast.ForClause(self.pos(tok), key, value, self.expr())

    # --- expressions ---------------------------------------------------------

    def alias_expr(self) -> ast.Expr:
        """An expression, possibly introduced by a value alias `X=`."""
        tok = self.tok
        if tok.kind == "ident" and self.peek().kind == "=":
            self.advance()
            self.advance()
            return ast.Alias(self.pos(tok), str(tok.value), self.expr())
        return self.expr()

    def expr(self) -> ast.Expr:
        return self.binary(1)

    def binary(self, min_prec: int) -> ast.Expr:
        x = self.unary()
        precedence = _PRECEDENCE
        while True:
            op = self.tok.kind
            prec = precedence.get(op)
            if prec is None or prec < min_prec:
                return x
            self.advance()
            y = self.binary(prec + 1)
            x = ast.BinaryExpr(x.pos, op, x, y)

    def unary(self) -> ast.Expr:
        tok = self.tok
        if tok.kind in _UNARY:
            self.advance()
            return ast.UnaryExpr(self.pos(tok), tok.kind, self.unary())
        return self.primary()

    def primary(self) -> ast.Expr:
        x = self.operand()
        while True:
            kind = self.tok.kind
            if kind == ".":
                self.advance()
                sel = self.tok
                if sel.kind == "ident":
                    x = ast.SelectorExpr(x.pos, x, str(sel.value))
                elif sel.kind == "string" and not sel.value[0] and len(sel.value[1]) == 1:
                    x = ast.SelectorExpr(x.pos, x, str(sel.value[1][0]), quoted=True)
                else:
                    self.fail(f"expected selector after '.', found {_describe(sel)}")
                self.advance()
            elif kind == "[":
                x = self.index(x)
            elif kind == "(":
                self.advance()
                args: list[ast.Expr] = []
                while self.tok.kind != ")":
                    args.append(self.expr())
                    if self.tok.kind == ",":
                        self.advance()
                    elif self.tok.kind != ")":
                        self.fail(
                            f"expected ',' or ')' in call arguments, found {_describe(self.tok)}"
                        )
                self.advance()
                x = ast.CallExpr(x.pos, x, args)
            else:
                return x

    def index(self, x: ast.Expr) -> ast.Expr:
        """`x[i]` or a slice `x[lo:hi]` with either bound optional."""
        self.advance()
        lo = None
        if self.tok.kind != ":":
            lo = self.expr()
            if self.tok.kind != ":":
                if self.tok.kind == ",":  # `x[i,]`, but never `x[i,:j]`
                    self.advance()
                self.expect("]", "to end index")
                return ast.IndexExpr(x.pos, x, lo)
        self.advance()
        hi = None if self.tok.kind == "]" else self.expr()
        self.expect("]", "to end slice")
        return ast.SliceExpr(x.pos, x, lo, hi)

    def operand(self) -> ast.Expr:
        tok = self.tok
        kind = tok.kind
        if kind == "ident":
            self.advance()
            word = tok.value
            if word == "true" or word == "false":
                return ast.BoolLit(self.pos(tok), word == "true")
            if word == "null":
                return ast.NullLit(self.pos(tok))
            if self.misplaced_clause(word):
                self.fail(
                    f"'{word}' comprehension must be in a struct {{...}} or a list [...]", tok
                )
            return ast.Ident(self.pos(tok), str(word))
        if kind == "string":
            self.advance()
            return self.string(tok)
        if kind == "int" or kind == "float":
            self.advance()
            return self.number(tok)
        if kind == "{":
            return self.struct()
        if kind == "[":
            return self.list()
        if kind == "(":
            self.advance()
            x = self.expr()
            self.expect(")", "to close '('")
            return ast.ParenExpr(self.pos(tok), x)
        if kind == "_|_":
            self.advance()
            return ast.BottomLit(self.pos(tok))
        self.fail(f"expected operand, found {_describe(tok)}")

    def number(self, tok: Token) -> ast.IntLit | ast.FloatLit:
        text = tok.value
        pos = self.pos(tok)
        if text.isdigit():
            return ast.IntLit(pos, int(text))
        text = text.replace("_", "")
        if tok.kind == "int":
            prefix = text[:2]
            if prefix in ("0x", "0X"):
                return ast.IntLit(pos, int(text[2:], 16))
            if prefix == "0o":
                return ast.IntLit(pos, int(text[2:], 8))
            if prefix == "0b":
                return ast.IntLit(pos, int(text[2:], 2))
            suffix = text.lstrip("0123456789.")
            if suffix:
                value = Fraction(text[: -len(suffix)]) * _MULTIPLIERS[suffix]
                if value.denominator != 1:
                    self.fail(f"number {tok.value} cannot be represented as int", tok)
                return ast.IntLit(pos, value.numerator)
            return ast.IntLit(pos, int(text))
        return ast.FloatLit(pos, Decimal(text), text)

    def string(self, tok: Token) -> ast.Expr:
        is_bytes, parts = tok.value
        pos = self.pos(tok)
        if len(parts) == 1:
            value = parts[0]
            return ast.BytesLit(pos, value) if is_bytes else ast.StringLit(pos, value)
        out: list[str | ast.Expr] = []
        for part in parts:
            if isinstance(part, list):
                sub = _Parser(part, self.filename, self.comments)
                out.append(sub.expr())
                if sub.tok.kind != "eof":
                    sub.fail(f"expected ')' to end interpolation, found {_describe(sub.tok)}")
            elif isinstance(part, bytes):
                out.append(part.decode("utf-8", "replace"))
            else:
                out.append(part)
        return ast.Interpolation(pos, out, is_bytes)

    def struct(self) -> ast.StructLit:
        tok = self.tok
        self.advance()
        decls = self.decls("}")
        self.advance()
        return ast.StructLit(self.pos(tok), decls)

    def list(self) -> ast.ListLit:
        tok = self.tok
        self.advance()
        elems: list[ast.Expr | ast.Comprehension] = []
        ellipsis = None
        while self.tok.kind != "]":
            kind = self.tok.kind
            if kind == "eof":
                self.fail("expected ']' to close '[', found 'EOF'")
            if kind == "...":
                ellipsis = self.ellipsis()
                if self.tok.kind == ",":
                    self.advance()
                if self.tok.kind != "]":
                    self.fail(f"expected ']' after '...' in list, found {_describe(self.tok)}")
                break
            if kind == "ident" and self.tok.value in ("for", "if"):
                elems.append(self.comprehension())
            else:
                elems.append(self.alias_expr())
            sep = self.tok
            if sep.kind == ",":
                self.advance()
            elif sep.kind != "]" and not (sep.kind == "ident" and sep.value in ("for", "if")):
                self.fail(f"expected ',' or ']' in list, found {_describe(self.tok)}")
        self.advance()
        return ast.ListLit(self.pos(tok), elems, ellipsis)


class _Name:
    """A name a scope declares. `let` names (lets, aliases) and field names may not
    shadow each other; a `tracked` one (a let or alias) must be referenced somewhere."""

    __slots__ = ("let", "name", "pos", "tracked", "unique", "used")

    def __init__(self, name: str, pos: ast.Pos, let: bool, unique: bool, tracked: bool) -> None:
        self.name = name
        self.pos = pos
        self.let = let
        self.unique = unique
        self.tracked = tracked
        self.used = False


class _Scope:
    __slots__ = ("names", "parent")

    def __init__(self, parent: _Scope | None) -> None:
        self.names: dict[str, _Name] = {}
        self.parent = parent

    def lookup(self, name: str) -> tuple[_Scope, _Name] | None:
        scope: _Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                return scope, found
            scope = scope.parent
        return None


class _Resolver:
    """Resolves identifiers statically, for the checks CUE makes before evaluating.

    A let or alias may not share its name with a field in the same or an enclosing
    scope (either way round), and CUE's compiler rejects a let or alias that nothing
    references ("unreferenced alias or let clause"): `let` declarations, label aliases
    `X=a: v` (also on patterns, `X=[string]: v`) and value aliases `a: X={...}`.
    Comprehension variables, comprehension `let` clauses and pattern aliases
    `[X=string]: v` may go unused. A name resolves to the innermost scope declaring it.
    """

    __slots__ = ("tracked",)

    def __init__(self) -> None:
        self.tracked: list[_Name] = []

    def check_file(self, file: ast.File) -> None:
        scope = _Scope(None)
        for imp in file.imports:
            self.insert(scope, imp.name, imp.pos, let=False, unique=True)
        self.check(file.decls, scope)

    def check(self, decls: list[ast.Decl], scope: _Scope) -> None:
        self.struct(decls, scope)
        unused = [n for n in self.tracked if not n.used]
        if unused:
            first = min(unused, key=lambda n: (n.pos.line, n.pos.col))
            raise CueSyntaxError(
                f"unreferenced alias or let clause {first.name}", positions=[first.pos]
            )

    def insert(
        self, scope: _Scope, name: str, pos: ast.Pos, let: bool, unique: bool, tracked: bool = False
    ) -> None:
        found = scope.lookup(name) if name != "_" else None
        if found is not None:
            owner, old = found
            if old.let != let:
                raise CueSyntaxError(
                    f'cannot have both alias and field with name "{name}" in same scope',
                    positions=[pos],
                )
            if (unique or old.unique) and owner is scope:
                if not old.let:  # an import: a second one of the same name is ignored
                    return
                raise CueSyntaxError(f'alias "{name}" redeclared in same scope', positions=[pos])
        scope.names[name] = new = _Name(name, pos, let, unique, tracked)
        if tracked:
            self.tracked.append(new)

    def alias(self, scope: _Scope, name: str, pos: ast.Pos, tracked: bool = True) -> None:
        self.insert(scope, name, pos, let=True, unique=True, tracked=tracked)

    def struct(self, decls: list[ast.Decl], scope: _Scope) -> None:
        for d in decls:
            if isinstance(d, ast.Field):
                label = d.label
                if d.alias and not isinstance(label, ast.PatternLabel):
                    self.alias(scope, d.alias, d.pos)
                if isinstance(label, ast.Label) and not label.quoted:
                    value = d.value.expr if isinstance(d.value, ast.Alias) else d.value
                    self.insert(scope, label.name, value.pos, let=False, unique=False)
            elif isinstance(d, ast.LetClause):
                self.alias(scope, d.name, d.pos)
        for d in decls:
            self.decl(d, scope)

    def decl(self, d: ast.Decl, scope: _Scope) -> None:
        if isinstance(d, ast.Field):
            label = d.label
            if isinstance(label, ast.DynamicLabel):
                self.expr(label.expr, scope)
            elif isinstance(label, ast.PatternLabel):
                scope = _Scope(scope)
                if d.alias:
                    self.alias(scope, d.alias, d.pos)
                if label.alias:
                    self.alias(scope, label.alias, label.expr.pos, tracked=False)
                self.expr(label.expr, scope)
            self.expr(d.value, scope)
        elif isinstance(d, ast.LetClause):
            # a let's own name is not in scope in its expression: `let x = x` reads an outer x
            own = scope.names.pop(d.name)
            self.expr(d.expr, scope)
            scope.names[d.name] = own
        elif isinstance(d, ast.Embed):
            self.expr(d.expr, scope)
        elif isinstance(d, ast.Comprehension):
            self.comprehension(d, scope)
        elif isinstance(d, ast.Ellipsis) and d.type is not None:
            self.expr(d.type, scope)

    def comprehension(self, c: ast.Comprehension, scope: _Scope) -> None:
        for clause in c.clauses:
            if isinstance(clause, ast.ForClause):
                self.expr(clause.source, scope)
                scope = _Scope(scope)
                for name in (clause.key, clause.value):
                    if name is not None:
                        self.insert(scope, name, clause.pos, let=False, unique=False)
            elif isinstance(clause, ast.LetClause):
                self.expr(clause.expr, scope)
                scope = _Scope(scope)
                self.insert(scope, clause.name, clause.pos, let=False, unique=False)
            else:
                self.expr(clause.cond, scope)
        self.struct(c.body.decls, _Scope(scope))

    def expr(self, e: object, scope: _Scope) -> None:
        if isinstance(e, ast.Ident):
            found = scope.lookup(e.name)
            if found is not None:
                found[1].used = True
        elif isinstance(e, ast.StructLit):
            self.struct(e.decls, _Scope(scope))
        elif isinstance(e, ast.ListLit):
            for elem in e.elems:
                if isinstance(elem, ast.Comprehension):
                    self.comprehension(elem, scope)  # type: ignore[arg-type]
                elif isinstance(elem, ast.Alias):
                    raise CueSyntaxError(
                        "alias values not allowed in this position", positions=[elem.pos]
                    )
                else:
                    self.expr(elem, scope)
            if e.ellipsis is not None and e.ellipsis.type is not None:
                self.expr(e.ellipsis.type, scope)
        elif isinstance(e, ast.Alias):  # a field's value alias: its name is seen in its value
            scope = _Scope(scope)
            self.alias(scope, e.name, e.pos)
            self.expr(e.expr, scope)
        elif isinstance(e, ast.SelectorExpr):
            self.expr(e.x, scope)
        elif isinstance(e, ast.Node):
            for name in e.__dataclass_fields__:
                self.expr(getattr(e, name), scope)
        elif isinstance(e, list):
            for item in e:
                self.expr(item, scope)
