"""The CUE evaluator: vertices, conjuncts, scopes, unification and disjunctions.

A `Vertex` is one node of the evaluated tree. It holds the conjuncts (expression plus
scope) that contribute to it and, once evaluated, its own value: a kind mask, an
optional concrete atom, validators (bounds, regexps, builtin validators), child
arcs for structs and lists, or the surviving candidates of a disjunction. Arcs are
evaluated lazily, on first use, and memoized. Errors are values: a vertex carries a
`CueError` (permanent, or `incomplete` for "not known yet") instead of raising.

A reference to a struct pulls the referenced vertex's conjuncts into the referring
vertex, so that fields inside a referenced definition see the final unified value
(`#D & {a: 1}` evaluates `#D`'s fields with `a: 1` in view), as the language
requires.

Where CUE versions differ, cueflow follows v0.14 (the version KubeVela runs), except:

- Field order in exports is the declaration order of each field's first occurrence;
  v0.12+ sorts fields from several conjuncts topologically, so a struct assembled
  from several literals may print its fields in another order.
- List `+` and `*` are errors (as in v0.14; v0.4 accepted them).
- A default disjunct that is incomplete (it reads an absent optional field) is
  dropped when the default is chosen: `*[for x in absent.list {x}] | []` is `[]`.
- Closedness is tracked per definition reference: all conjuncts of one definition
  share one set of allowed labels, and a `...` in any of them opens the whole.
- Bounds `>=n & <=n` collapse to `n` (v0.14 with `keepvalidators` off, as the
  workflow controller runs it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cueflow.cue import ast, numbers
from cueflow.cue.errors import CueError

# --- kinds -------------------------------------------------------------------

NULL, BOOL, INT, FLOAT, STRING, BYTES, LIST, STRUCT = 1, 2, 4, 8, 16, 32, 64, 128
NUMBER = INT | FLOAT
TOP = 255
_KIND_NAMES = (
    (NULL, "null"),
    (BOOL, "bool"),
    (INT, "int"),
    (FLOAT, "float"),
    (STRING, "string"),
    (BYTES, "bytes"),
    (LIST, "list"),
    (STRUCT, "struct"),
)


def kind_name(mask: int) -> str:
    """CUE's spelling of a kind mask: `int`, `number`, `string|bytes`, `_`."""
    if mask == TOP:
        return "_"
    if mask == 0:
        return "_|_"
    names = [name for bit, name in _KIND_NAMES if mask & bit]
    if mask & NUMBER == NUMBER:
        names = [n for n in names if n not in ("int", "float")]
        names.insert(0, "number")
    return "|".join(names)


# --- plain values ------------------------------------------------------------


class Atom:
    """A concrete scalar: null, bool, int, float (`Decimal`), string or bytes."""

    __slots__ = ("kind", "pos", "value")

    def __init__(self, kind: int, value: Any, pos: ast.Pos = ast.NO_POS) -> None:
        self.kind = kind
        self.value = value
        self.pos = pos

    def __repr__(self) -> str:
        return format_atom(self)


def format_atom(a: Atom) -> str:
    """An atom in CUE syntax (used in messages and when printing values back)."""
    v = a.value
    if a.kind == NULL:
        return "null"
    if a.kind == BOOL:
        return "true" if v else "false"
    if a.kind == INT:
        return str(v)
    if a.kind == FLOAT:
        return numbers.format_float(v)
    if a.kind == STRING:
        return quote_string(v)
    if a.kind != BYTES:
        from cueflow.cue.export import python_to_cue

        return python_to_cue(v)
    return "'" + v.decode("utf-8", "replace").replace("'", "\\'") + "'"


def quote_string(s: str) -> str:
    """A CUE double-quoted string literal."""
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


class TopValue:
    """`_`: any value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_"


TOP_VALUE = TopValue()


class KindValue:
    """A type such as `int` or `string`: every value of those kinds."""

    __slots__ = ("mask",)

    def __init__(self, mask: int) -> None:
        self.mask = mask

    def __repr__(self) -> str:
        return kind_name(self.mask)


class BoundValue:
    """A bound used as a validator: `>0`, `<=10`, `!=""`, `=~"re"`, `!~"re"`."""

    __slots__ = ("atom", "op")

    def __init__(self, op: str, atom: Atom) -> None:
        self.op = op
        self.atom = atom

    @property
    def mask(self) -> int:
        if self.op in ("=~", "!~"):
            return STRING | BYTES
        if self.op == "!=":
            return TOP
        return NUMBER if self.atom.kind & NUMBER else self.atom.kind

    def check(self, a: Atom) -> bool:
        op, b = self.op, self.atom
        if op in ("=~", "!~"):
            text = a.value.decode("utf-8", "replace") if a.kind == BYTES else a.value
            return (re.search(b.value, text) is not None) == (op == "=~")
        if op == "!=":
            return not atoms_equal(a, b)
        return compare(op, a, b)

    def __repr__(self) -> str:
        return f"{self.op}{format_atom(self.atom)}"


class ValidatorValue:
    """A standard-library function called with its first argument left out."""

    __slots__ = ("args", "builtin")

    def __init__(self, builtin: Any, args: list[Any]) -> None:
        self.builtin = builtin
        self.args = args

    mask = TOP

    def __repr__(self) -> str:
        from cueflow.cue.export import python_to_cue

        shown = (repr(a) if hasattr(a, "check") else python_to_cue(a) for a in self.args)
        return f"{self.builtin.name}({', '.join(shown)})"


class FuncValue:
    """A callable: a predeclared builtin (`len`, `close`) or a std package member."""

    __slots__ = ("call", "name", "std")

    def __init__(self, name: str, call: Callable[..., Any] | None = None, std: Any = None) -> None:
        self.name = name
        self.call = call
        self.std = std

    def __repr__(self) -> str:
        return self.name


class PackageValue:
    """An imported standard-library package."""

    __slots__ = ("members", "path")

    def __init__(self, path: str, members: dict[str, Any]) -> None:
        self.path = path
        self.members = members


Validator = BoundValue | ValidatorValue
Value = Atom | TopValue | KindValue | BoundValue | ValidatorValue | FuncValue | PackageValue


class Bottom(Exception):
    """Raised inside expression evaluation; a vertex turns it into its error value."""

    def __init__(self, err: CueError) -> None:
        super().__init__(err.message)
        self.err = err


def fail(message: str, *positions: ast.Pos) -> Bottom:
    return Bottom(CueError(message, "", [p for p in positions if p is not ast.NO_POS]))


def incomplete(message: str, *positions: ast.Pos) -> Bottom:
    return Bottom(CueError(message, "", [p for p in positions if p is not ast.NO_POS], True))


@dataclass(slots=True, eq=False)
class VertexExpr(ast.Node):
    """A syntax-tree leaf standing for an already built vertex (fill, unify, builtins)."""

    vertex: Vertex


# --- closedness --------------------------------------------------------------


class Group:
    """The labels one closedness unit (a definition, a `close()`, a literal) declares.

    `closed` groups reject arcs they do not declare; `recursive` ones (definitions)
    make the groups of their children closed too.
    """

    __slots__ = ("children", "closed", "labels", "open", "patterns", "recursive")

    def __init__(self, closed: bool = False, recursive: bool = False) -> None:
        self.closed = closed
        self.recursive = recursive
        self.open = False
        self.labels: set[str | int] = set()
        self.patterns: list[tuple[ast.Field, Env]] = []
        self.children: dict[str | int, Group] | None = None

    def child(self, label: str | int) -> Group | None:
        if not self.recursive:
            return None
        if self.children is None:
            self.children = {}
        g = self.children.get(label)
        if g is None:
            g = self.children[label] = Group(True, True)
        return g


# --- scopes ------------------------------------------------------------------


class Env:
    """A scope: a struct literal bound to the vertex it is unified into, or bindings.

    Struct scopes resolve the literal's own labels to arcs of `vertex`; binding
    scopes map names (aliases, comprehension variables, lets) to vertices/values.
    A scope with a vertex but no `decls` exposes every arc of that vertex.
    """

    __slots__ = ("decls", "lets", "names", "parent", "vertex")

    def __init__(
        self,
        parent: Env | None,
        vertex: Vertex | None = None,
        decls: dict[str, tuple[str, Any]] | None = None,
        names: dict[str, Any] | None = None,
    ) -> None:
        self.parent = parent
        self.vertex = vertex
        self.decls = decls
        self.names = names
        self.lets: dict[str, Vertex] | None = None


_ID_CACHE_LIMIT = 100_000
_DECL_CACHE: dict[int, tuple[ast.StructLit, dict[str, tuple[str, Any]]]] = {}


def decl_map(lit: ast.StructLit) -> dict[str, tuple[str, Any]]:
    """The names a struct literal declares: fields, field aliases and lets.

    A let that repeats a name declared in the same struct maps to an "error" entry.
    """
    hit = _DECL_CACHE.get(id(lit))
    if hit is not None and hit[0] is lit:
        return hit[1]
    names: dict[str, tuple[str, Any]] = {}
    lets: dict[str, ast.LetClause] = {}
    for d in lit.decls:
        if isinstance(d, ast.Field):
            if isinstance(d.label, ast.Label):
                name = d.label.name
                if not d.label.quoted:
                    if names.get(name, QUOTED)[0] == "quoted":
                        names[name] = ("field", name)
                else:  # a quoted label is not an identifier
                    names.setdefault(name, QUOTED)
                if d.alias:
                    names[d.alias] = ("field", name)
            elif d.alias:
                names[d.alias] = ("dynamic", d)
        elif isinstance(d, ast.LetClause):
            if d.name in lets:
                names[LET_ERROR] = (
                    "error",
                    fail(f'alias "{d.name}" redeclared in same scope', d.pos),
                )
            lets[d.name] = d
    for name, d in lets.items():
        if name in names:
            message = f'cannot have both alias and field with name "{name}" in same scope'
            names[LET_ERROR] = ("error", fail(message, d.pos))
        names[name] = ("let", d)
    if len(_DECL_CACHE) >= _ID_CACHE_LIMIT:  # fills build fresh literals: bound the memory
        _DECL_CACHE.clear()
    _DECL_CACHE[id(lit)] = (lit, names)
    return names


# The decl_map entry of a name that only a quoted label spells: not referable.
QUOTED = ("quoted", None)

# The decl_map key under which a struct literal's declaration error is kept.
LET_ERROR = " error"


class Quoted(str):
    """A quoted label spelled like a definition or hidden field: it is a regular field."""

    __slots__ = ()


def is_definition(label: str | int) -> bool:
    return type(label) is str and (label.startswith("#") or label.startswith("_#"))


def is_hidden(label: str | int) -> bool:
    return type(label) is str and label.startswith("_")


# --- vertices ----------------------------------------------------------------

NEW, EVALUATING, DONE = 0, 1, 2

# How a disjunct takes part in the default: not at all, as one of the values of a
# disjunction without marks (every disjunct is then "default"), or by a `*` mark.
# ORPHANED: from a disjunction whose marked disjuncts were all eliminated in this branch;
# the enclosing disjunction decides (not default if that mark survived in another branch,
# as if unmarked otherwise), so that `(*"GET" | "POST") & (*"POST" | "PUT")` is "POST".
NOT_DEFAULT, ORPHANED, UNMARKED, MARKED = 0, 1, 2, 3

Conjunct = tuple[Any, Env | None, Group | None, tuple[int, ...]]


class Vertex:
    """One node of the evaluated value tree (see the module docstring)."""

    __slots__ = (
        "arcs",
        "atom",
        "attrs",
        "choices",
        "conjuncts",
        "dflag",
        "disj",
        "disj_default",
        "disjs",
        "docs",
        "elem_types",
        "err",
        "extra",
        "groups",
        "key",
        "kind",
        "label",
        "list_len",
        "maybe_struct",
        "parent",
        "patterns",
        "pending",
        "pending_err",
        "positions",
        "regular",
        "required",
        "seen",
        "state",
        "validators",
    )

    def __init__(self, parent: Vertex | None = None, label: str | int | None = None) -> None:
        self.parent = parent
        self.label = label
        self.conjuncts: list[Conjunct] = []
        self.extra: list[Conjunct] | None = None
        self.choices: dict[Any, int] | None = None
        self.key: tuple[int, ...] = ()
        self.regular = False
        self.required = False
        self.docs: list[str] | None = None
        self.attrs: list[ast.Attribute] | None = None
        self._reset()

    def _reset(self) -> None:
        self.state = NEW
        self.arcs: dict[str | int, Vertex] = {}
        self.kind = TOP
        self.atom: Atom | None = None
        self.validators: list[Validator] = []
        self.err: CueError | None = None
        self.groups: list[Group] = []
        self.list_len: int | None = None
        self.elem_types: list[tuple[int, Any, Env | None, Group | None]] = []
        self.patterns: list[tuple[ast.Field, Env, Group]] = []
        self.pending: list[tuple[str, Any, Env, Group, tuple[int, ...]]] = []
        self.pending_err: CueError | None = None
        self.disjs: list[Conjunct] = []
        self.disj: list[Vertex] | None = None
        self.disj_default: list[int] = []
        self.dflag = UNMARKED
        self.seen: dict[int, Vertex] | None = None  # holds the vertices so ids stay unique
        self.maybe_struct = False
        self.positions: list[ast.Pos] = []

    def __repr__(self) -> str:
        return f"<Vertex {self.path()}>"

    # -- identity -------------------------------------------------------------

    @property
    def in_definition(self) -> bool:
        v: Vertex | None = self
        while v is not None:
            if v.label is not None and is_definition(v.label):
                return True
            v = v.parent
        return False

    def labels(self) -> list[str | int]:
        out: list[str | int] = []
        v: Vertex | None = self
        while v is not None and v.label is not None:
            out.append(v.label)
            v = v.parent
        out.reverse()
        return out

    def path(self) -> str:
        """The field path as CUE prints it in errors: `a.b`, `l.0`, `m."x-y"`."""
        return ".".join(format_label(lab) for lab in self.labels())

    @property
    def optional(self) -> bool:
        return not self.regular and not self.required

    # -- building -------------------------------------------------------------

    def add_conjunct(
        self, expr: Any, env: Env | None, group: Group | None, key: tuple[int, ...]
    ) -> None:
        self.conjuncts.append((expr, env, group, key))
        if self.state != NEW:
            self._reset()

    def arc(self, label: str | int, key: tuple[int, ...]) -> Vertex:
        a = self.arcs.get(label)
        if a is None:
            a = self.arcs[label] = Vertex(self, label)
            a.key = key
        elif key < a.key:
            a.key = key
        return a

    # -- evaluation -----------------------------------------------------------

    def eval(self) -> None:
        """Compute this vertex's own value (not its arcs' values); memoized."""
        if self.state != NEW:
            return
        self.state = EVALUATING
        if self.extra is None:
            self.extra = self._parent_constraints()
        # literal values first, so that a cycle through this vertex sees them
        for conj in self.conjuncts:
            if type(conj[0]) in _LITERALS:
                self._process_safe(*conj)
        for conj in self.conjuncts:
            if type(conj[0]) not in _LITERALS:
                self._process_safe(*conj)
        for conj in self.extra:
            self._process_safe(*conj)
        self._run_pending()
        if self.maybe_struct and self.kind == TOP and self.atom is None:
            self.kind = STRUCT
        if self.disjs and (self.err is None or self.err.incomplete):
            self._resolve_disjunctions()
        else:
            self._finalize()
        self.state = DONE

    def _parent_constraints(self) -> list[Conjunct]:
        """Pattern constraints and list element types of the parent that apply here."""
        p = self.parent
        out: list[Conjunct] = []
        if p is None or (not p.patterns and not p.elem_types):
            return out
        label = self.label
        if isinstance(label, str):
            if is_definition(label) or is_hidden(label):
                return out
            for field, env, group in p.patterns:
                pat = field.label
                assert isinstance(pat, ast.PatternLabel)
                if label_matches(pat.expr, env, label):
                    if pat.alias:
                        env = Env(env, names={pat.alias: Atom(STRING, label)})
                    out.append((field.value, env, group.child(label), (1 << 30, len(out))))
        elif isinstance(label, int):
            for start, expr, env, group in p.elem_types:
                if label >= start and expr is not None:
                    out.append(
                        (expr, env, group.child(label) if group else None, (1 << 30, len(out)))
                    )
        return out

    def _process_safe(
        self, expr: Any, env: Env | None, group: Group | None, key: tuple[int, ...]
    ) -> None:
        try:
            self._process(expr, env, group, key)
        except Bottom as b:
            self.add_error(b.err)
        except RecursionError:
            self.add_error(
                CueError("structural cycle", self.path(), [getattr(expr, "pos", ast.NO_POS)])
            )

    def add_error(self, err: CueError) -> None:
        if not err.path:
            err = CueError(err.message, self.path(), err.positions, err.incomplete)
        if self.err is None or (self.err.incomplete and not err.incomplete):
            self.err = err

    def _process(
        self, expr: Any, env: Env | None, group: Group | None, key: tuple[int, ...]
    ) -> None:
        t = type(expr)
        if t is ast.StructLit:
            self._add_struct(expr, env, group, key)
        elif t is ast.BinaryExpr and expr.op == "&":
            self._process(expr.x, env, group, (*key, 0))
            self._process(expr.y, env, group, (*key, 1))
        elif t is ast.BinaryExpr and expr.op == "|":
            choice = self.choices.get(key) if self.choices else None
            if choice is None:
                self.disjs.append((expr, env, group, key))
            else:
                alt = flatten_disjunction(expr)[choice][0]
                self._process(alt, env, group, (*key, choice))
        elif t is ast.ParenExpr:
            self._process(expr.x, env, group, key)
        elif t is ast.UnaryExpr and expr.op == "*":
            raise fail("preference mark not allowed at this position", expr.pos)
        elif t is ast.ListLit:
            self._add_list(expr, env, group, key)
        elif t is ast.Alias:
            self._process(expr.expr, Env(env, names={expr.name: self}), group, key)
        elif t is VertexExpr:
            self._add_vertex(expr.vertex, group, key, expr.pos)
        elif t is ast.CallExpr and _is_close(expr, env):
            if len(expr.args) != 1:
                raise fail("close: expected 1 argument", expr.pos)
            arg = expr.args[0]
            if type(arg) in _LITERALS or type(arg) is ast.ListLit:
                raise fail("cannot use a non-struct value as argument to close", arg.pos)
            self._process(arg, env, Group(True, False), key)
        elif t is ast.Ident or t is ast.SelectorExpr or t is ast.IndexExpr:
            r = resolve(expr, env)
            if type(r) is Vertex:
                self._add_vertex(r, group, key, expr.pos)
            else:
                self._add_value(r, expr.pos)
        else:
            r = eval_expr(expr, env)
            if type(r) is Vertex:
                self._add_vertex(r, group, key, expr.pos)
            else:
                self._add_value(r, expr.pos)

    def _add_vertex(
        self, r: Vertex, group: Group | None, key: tuple[int, ...], pos: ast.Pos
    ) -> None:
        if r is self:
            return
        if self.seen is None:
            self.seen = {}
        if id(r) in self.seen:
            return
        self.seen[id(r)] = r
        a = self.parent
        while a is not None:
            # a disjunct being tried shares its conjunct list with the vertex it stands for
            if a is r or a.conjuncts is r.conjuncts:
                raise fail("structural cycle", pos)
            a = a.parent
        if r.parent is not None and r.state == NEW and r.extra is None:
            r.extra = r._parent_constraints()
        if r.state == DONE and r.disj is None and not r.arcs and r.kind & (STRUCT | LIST) == 0:
            # a scalar: its value is all there is to unify
            if r.err is not None:
                raise Bottom(r.err)
            if r.atom is not None:
                self._add_value(r.atom, pos)
            else:
                self.kind_and(r.kind, pos, r)
                self.validators.extend(r.validators)
            return
        if r.in_definition or (r.label is not None and is_definition(r.label)):
            if group is None:
                group = Group(True, True)
            else:
                group.closed = True
                group.recursive = True
        for i, (e, env, g, _) in enumerate(r.conjuncts):
            self._process_safe(e, env, _merge_groups(group, g), (*key, i))
        n = len(r.conjuncts)
        for i, (e, env, g, _) in enumerate(r.extra or ()):
            self._process_safe(e, env, _merge_groups(group, g), (*key, n + i))

    def kind_and(self, mask: int, pos: ast.Pos, what: Any) -> None:
        k = self.kind & mask
        if k == 0:
            mine = format_atom(self.atom) if self.atom is not None else kind_name(self.kind)
            raise fail(
                f"conflicting values {_describe(what)} and {mine} "
                f"(mismatched types {kind_name(mask)} and {kind_name(self.kind)})",
                pos,
                *self.positions[:1],
            )
        self.kind = k
        if pos is not ast.NO_POS and len(self.positions) < 4:
            self.positions.append(pos)

    def _add_value(self, v: Any, pos: ast.Pos) -> None:
        t = type(v)
        if t is Atom:
            if self.atom is not None:
                if not atoms_equal(self.atom, v) or self.atom.kind != v.kind:
                    raise fail(
                        f"conflicting values {format_atom(v)} and {format_atom(self.atom)}"
                        + (
                            f" (mismatched types {kind_name(v.kind)} and {kind_name(self.atom.kind)})"
                            if v.kind != self.atom.kind
                            else ""
                        ),
                        pos,
                        self.atom.pos,
                    )
                return
            self.kind_and(v.kind, pos, v)
            self.atom = Atom(v.kind, v.value, pos if pos is not ast.NO_POS else v.pos)
        elif t is TopValue:
            return
        elif t is KindValue:
            self.kind_and(v.mask, pos, v)
        elif t is BoundValue or t is ValidatorValue:
            self.kind_and(v.mask, pos, v)
            self.validators.append(v)
        elif t is Vertex:
            self._add_vertex(v, None, (1 << 29,), pos)
        elif t is FuncValue and v.std is not None and v.std.validator and len(v.std.params) == 1:
            self.validators.append(ValidatorValue(v.std, []))
        else:
            raise fail(f"invalid value {v!r} (a function or package is not a value)", pos)

    def _add_struct(
        self, lit: ast.StructLit, env: Env | None, group: Group | None, key: tuple[int, ...]
    ) -> None:
        decls = lit.decls
        if not decls or any(type(d) not in _NOT_STRUCT_DECLS for d in decls):
            self.kind_and(STRUCT, lit.pos, "struct")
        elif any(type(d) is ast.Comprehension for d in decls):
            self.maybe_struct = True
        g = group if group is not None else Group()
        if g not in self.groups:
            self.groups.append(g)
        names = decl_map(lit)
        if LET_ERROR in names:
            raise names[LET_ERROR][1]
        frame = Env(env, self, names)
        embeds: list[tuple[Any, tuple[int, ...]]] = []
        for i, d in enumerate(decls):
            t = type(d)
            if t is ast.Field:
                label = d.label
                lt = type(label)
                if lt is ast.Label:
                    name = label.name
                    if label.quoted and name.startswith(("#", "_")):
                        name = Quoted(name)
                    self._add_field(name, d, frame, g, (*key, i))
                elif lt is ast.PatternLabel:
                    self.patterns.append((d, frame, g))
                    g.patterns.append((d, frame))
                else:
                    self.pending.append(("dyn", d, frame, g, (*key, i)))
            elif t is ast.Embed:
                embeds.append((d.expr, (*key, i)))
            elif t is ast.Comprehension:
                self.pending.append(("comp", d, frame, g, (*key, i)))
            elif t is ast.Ellipsis:
                g.open = True
        for expr, k in embeds:
            self._process_safe(expr, frame, g, k)

    def _add_field(
        self, label: str, d: ast.Field, frame: Env, g: Group, key: tuple[int, ...]
    ) -> None:
        g.labels.add(label)
        a = self.arc(label, key)
        if a.state != NEW:
            a._reset()
        a.conjuncts.append((d.value, frame, g.child(label), key))
        if d.constraint == "":
            a.regular = True
        elif d.constraint == "!":
            a.required = True
        if d.doc:
            a.docs = [*(a.docs or ()), *d.doc]
        if d.attrs:
            a.attrs = [*(a.attrs or ()), *d.attrs]

    def _add_list(
        self, lit: ast.ListLit, env: Env | None, group: Group | None, key: tuple[int, ...]
    ) -> None:
        self.kind_and(LIST, lit.pos, "list")
        elems: list[tuple[Any, Env | None]] = []
        for e in lit.elems:
            if type(e) is ast.Comprehension:
                for env2 in run_clauses(e.clauses, env):
                    elems.append((e.body, env2))
            else:
                elems.append((e, env))
        n = len(elems)
        if lit.ellipsis is None:
            if self.list_len is not None and self.list_len != n:
                raise fail(f"incompatible list lengths ({n} and {self.list_len})", lit.pos)
            self.list_len = n
        else:
            self.elem_types.append((n, lit.ellipsis.type, env, group))
        for i, (e, env2) in enumerate(elems):
            a = self.arc(i, (i,))
            if a.state != NEW:
                a._reset()
            a.conjuncts.append((e, env2, group.child(i) if group else None, (*key, i)))
            a.regular = True

    def _run_pending(self) -> None:
        """Comprehensions and dynamic fields, repeated while any of them makes progress.

        A comprehension whose clauses name a field that another pending comprehension
        declares waits for that one (`if _f {...}` after `if c {_f: true}`).
        """
        progress = True
        while self.pending and progress:
            progress = False
            waiting = _waiting_items(self.pending)
            for item in list(self.pending):
                kind, d, frame, g, key = item
                if id(item) in waiting:
                    continue
                try:
                    if kind == "comp":
                        for j, env2 in enumerate(run_clauses(d.clauses, frame)):
                            self._add_struct(d.body, env2, g, (*key, j))
                    else:
                        name = concrete(eval_expr(d.label.expr, frame), d.label.pos)
                        if name.kind != STRING:
                            raise fail(f"invalid label type {kind_name(name.kind)}", d.label.pos)
                        self._add_field(Quoted(name.value), d, frame, g, key)
                except Bottom as b:
                    if b.err.incomplete:
                        self.pending_err = _with_path(b.err, self.path())
                        continue
                    self.add_error(b.err)
                self.pending.remove(item)
                progress = True
        if not self.pending:
            self.pending_err = None

    def _resolve_disjunctions(self) -> None:
        expr, _env, _group, key = self.disjs[0]
        alts = flatten_disjunction(expr)
        any_marked = any(m for _, m in alts)
        survivors: list[tuple[bool, Vertex, int]] = []
        errors: list[CueError] = []
        for i, (_, marked) in enumerate(alts):
            c = Vertex(self.parent, self.label)
            c.conjuncts = self.conjuncts
            c.extra = self.extra
            c.key = self.key
            c.choices = {**(self.choices or {}), key: i}
            try:
                c.eval()
                err = None if c.disj is not None else first_error(c, permanent_only=True)
            except RecursionError:  # a disjunct that unfolds without end: `next: *null | #L`
                err = CueError("structural cycle", self.path(), [getattr(expr, "pos", ast.NO_POS)])
            if err is not None:
                errors.append(err)
                continue
            if c.disj is not None:
                leaves = list(zip(c.disj, c.disj_default, strict=True))
            else:
                leaves = [(c, c.dflag)]
            survivors.extend((marked, leaf, sub) for leaf, sub in leaves)
        cands = [leaf for _, leaf, _ in survivors]
        flags = self._default_flags(survivors, any_marked)
        uniq: list[Vertex] = []
        uflags: list[int] = []
        for c, f in zip(cands, flags, strict=True):
            for j, u in enumerate(uniq):
                if same(u, c):
                    uflags[j] = max(uflags[j], f)
                    break
            else:
                uniq.append(c)
                uflags.append(f)
        if MARKED in uflags:
            uflags = [f if f == MARKED else NOT_DEFAULT for f in uflags]
        if not uniq:
            msg = f"{len(errors)} errors in empty disjunction"
            if errors:
                msg += ": " + "; ".join(str(e.message) for e in errors[:3])
            self.err = CueError(msg, self.path(), [p for e in errors for p in e.positions][:6])
            self.kind = 0
            return
        if len(uniq) == 1:
            self._adopt(uniq[0], uflags[0])
            return
        self.disj = uniq
        self.disj_default = uflags
        self.kind = 0
        for c in uniq:
            self.kind |= c.kind

    @staticmethod
    def _default_flags(survivors: list[tuple[bool, Vertex, int]], any_marked: bool) -> list[int]:
        """The default flag of each surviving disjunct: a `*` mark counts only while some
        marked disjunct survives (CUE drops the default of `(*1 | 2) & 2`)."""
        inner_kept = any(sub == MARKED for _, _, sub in survivors)
        orphan = NOT_DEFAULT if inner_kept else UNMARKED
        subs = [orphan if sub == ORPHANED else sub for _, _, sub in survivors]
        if any(marked for marked, _, _ in survivors):
            return [
                MARKED if marked and sub != NOT_DEFAULT else NOT_DEFAULT
                for (marked, _, _), sub in zip(survivors, subs, strict=True)
            ]
        if any_marked:
            return [ORPHANED if sub == UNMARKED else sub for sub in subs]
        return subs

    def _check_composite(self, v: ValidatorValue) -> None:
        """A std validator on a struct or list (`list.MaxItems(2)`), once it is concrete."""
        from cueflow.cue.builtins import call_validator

        try:
            data = to_python(self)
        except Bottom:
            return
        try:
            call_validator(v, Atom(self.kind, data))
        except Bottom as b:
            self.add_error(b.err)

    def _collapse_bounds(self) -> None:
        """`>=3 & <=3` is 3 (CUE without "keepvalidators")."""
        lo = [b.atom for b in self.validators if type(b) is BoundValue and b.op == ">="]
        hi = [b.atom for b in self.validators if type(b) is BoundValue and b.op == "<="]
        for a in lo:
            if any(atoms_equal(a, b) for b in hi) and self.kind & a.kind:
                kind = a.kind if self.kind & a.kind == a.kind else self.kind & a.kind
                self.atom = Atom(kind, a.value, a.pos)
                return

    def _adopt(self, c: Vertex, flag: int) -> None:
        for a in c.arcs.values():
            a.parent = self
        self.arcs = c.arcs
        self.kind = c.kind
        self.atom = c.atom
        self.validators = c.validators
        self.err = c.err
        self.groups = c.groups
        self.list_len = c.list_len
        self.elem_types = c.elem_types
        self.patterns = c.patterns
        self.pending = c.pending
        self.pending_err = c.pending_err
        self.disj = c.disj
        self.disj_default = c.disj_default
        self.dflag = flag

    def _finalize(self) -> None:
        if self.err is not None and not self.err.incomplete:
            return
        if self.atom is None and len(self.validators) >= 2:
            self._collapse_bounds()
        if self.atom is not None:
            for v in self.validators:
                check_validator(v, self.atom, self)
        elif self.kind in (STRUCT, LIST):
            for v in self.validators:
                if type(v) is ValidatorValue:
                    self._check_composite(v)
        if self.kind == LIST and self.list_len is not None:
            n = self.list_len
            for label in self.arcs:
                if isinstance(label, int) and label >= n:
                    self.add_error(
                        CueError(f"incompatible list lengths ({n} and {label + 1})", self.path())
                    )
                    break
        if self.kind == STRUCT:
            closed = [g for g in self.groups if g.closed and not g.open]
            if closed:
                for label, a in self.arcs.items():
                    if is_hidden(label) or is_definition(label):
                        continue
                    for g in closed:
                        if label not in g.labels and not any(
                            label_matches(f.label.expr, env, label)  # type: ignore[union-attr]
                            for f, env in g.patterns
                        ):
                            a.state = DONE
                            a.err = CueError(
                                f"field {format_label(label)} not allowed",
                                self.path(),
                                [c[0].pos for c in a.conjuncts[:2] if hasattr(c[0], "pos")],
                            )
                            a.kind = 0
                            break
            keys = [a.key for a in self.arcs.values()]
            if any(keys[i] > keys[i + 1] for i in range(len(keys) - 1)):
                self.arcs = dict(sorted(self.arcs.items(), key=lambda kv: kv[1].key))

    # -- reading --------------------------------------------------------------

    def default_vertex(self) -> Vertex:
        """This vertex, or the default among its disjuncts; raises when ambiguous."""
        self.eval()
        if self.disj is None:
            return self
        pairs = list(zip(self.disj, self.disj_default, strict=True))
        good = [c for c, f in pairs if f != NOT_DEFAULT and not (c.err and c.err.incomplete)]
        if len(good) == 1:
            return good[0]
        if not good and any(f != NOT_DEFAULT for _, f in pairs):
            rest = [c for c, f in pairs if f == NOT_DEFAULT and not c.err]
            if len(rest) == 1:
                return rest[0]
        shown = [c for c, f in pairs if f != NOT_DEFAULT] or [c for c, _ in pairs]
        raise Bottom(
            CueError(
                "incomplete value " + " | ".join(describe_vertex(c) for c in shown),
                self.path(),
                [],
                True,
            )
        )

    def lookup(self, label: str | int, pos: ast.Pos = ast.NO_POS) -> Vertex:
        """The arc `label` (through defaults); raises for missing or optional arcs."""
        v = self.default_vertex()
        if v.err is not None:
            raise Bottom(v.err)
        a = v.arcs.get(label)
        if a is None:
            if v.kind & (STRUCT | LIST) == 0:
                raise fail(f"invalid selector {format_label(label)}: not a struct", pos)
            if isinstance(label, int) and v.kind == LIST and (label < 0 or v.state == DONE):
                raise fail(f"invalid list index {label} (out of bounds)", pos)
            if (
                v.kind == STRUCT
                and any(g.closed and not g.open for g in v.groups)
                and not v.pending
            ):
                raise fail(f"undefined field: {format_label(label)}", pos)
            if v.kind == LIST:
                raise fail(f"invalid selector {format_label(label)}: not a struct", pos)
            raise incomplete(f"undefined field: {format_label(label)}", pos)
        if a.optional:
            raise incomplete(f"cannot reference optional field: {format_label(label)}", pos)
        return a


# Declarations that leave a struct literal free to be a scalar (`{1}`, `{if c {1}}`).
_NOT_STRUCT_DECLS = (ast.Embed, ast.LetClause, ast.Comprehension)

_LITERALS = (ast.IntLit, ast.StringLit, ast.FloatLit, ast.BoolLit, ast.NullLit, ast.BytesLit)


def _waiting_items(pending: list[Any]) -> set[int]:
    """Pending comprehensions that read a label another pending comprehension declares."""
    comps = [item for item in pending if item[0] == "comp"]
    if len(comps) < 2:
        return set()
    writes = {id(item): comprehension_labels(item[1]) for item in comps}
    waiting = set()
    for item in comps:
        reads = clause_names(item[1])
        if any(reads & w for other, w in writes.items() if other != id(item)):
            waiting.add(id(item))
    return set() if len(waiting) == len(comps) else waiting


_LABELS_CACHE: dict[int, tuple[Any, frozenset[str], frozenset[str]]] = {}


def _comprehension_info(c: ast.Comprehension) -> tuple[frozenset[str], frozenset[str]]:
    hit = _LABELS_CACHE.get(id(c))
    if hit is not None and hit[0] is c:
        return hit[1], hit[2]
    writes = frozenset(
        d.label.name
        for d in c.body.decls
        if type(d) is ast.Field and type(d.label) is ast.Label and not d.label.quoted
    )
    reads: set[str] = set()
    stack: list[Any] = list(c.clauses)
    while stack:
        node = stack.pop()
        if type(node) is ast.Ident:
            reads.add(node.name)
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, ast.Node) and not isinstance(node, ast.StructLit | ast.ListLit):
            stack.extend(getattr(node, f) for f in node.__dataclass_fields__)
    if len(_LABELS_CACHE) >= _ID_CACHE_LIMIT:
        _LABELS_CACHE.clear()
    _LABELS_CACHE[id(c)] = (c, writes, frozenset(reads))
    return writes, frozenset(reads)


def comprehension_labels(c: ast.Comprehension) -> frozenset[str]:
    return _comprehension_info(c)[0]


def clause_names(c: ast.Comprehension) -> frozenset[str]:
    return _comprehension_info(c)[1]


def _merge_groups(outer: Group | None, inner: Group | None) -> Group | None:
    if outer is None:
        return inner
    return outer


def _with_path(err: CueError, path: str) -> CueError:
    return err if err.path else CueError(err.message, path, err.positions, err.incomplete)


def _describe(what: Any) -> str:
    if type(what) is Atom:
        return format_atom(what)
    if type(what) is Vertex:
        return describe_vertex(what)
    return str(what)


def describe_vertex(v: Vertex) -> str:
    """A short CUE rendering of a vertex for messages: `1`, `int`, `>0`, `{...}`."""
    if v.disj is not None:
        return " | ".join(describe_vertex(c) for c in v.disj)
    if v.atom is not None:
        return format_atom(v.atom)
    if v.kind == STRUCT:
        return "{...}"
    if v.kind == LIST:
        return "[...]"
    parts = [repr(x) for x in v.validators]
    if not parts or v.kind not in (TOP, STRING | BYTES, NUMBER):
        parts.insert(0, kind_name(v.kind))
    return " & ".join(parts)


def format_label(label: str | int) -> str:
    if isinstance(label, int):
        return str(label)
    if _IDENT.fullmatch(label):
        return label
    return quote_string(label)


_IDENT = re.compile(r"[#_$]*[A-Za-z_$][A-Za-z0-9_$]*|#?_?[A-Za-z0-9_$]+")


def _is_close(expr: ast.CallExpr, env: Env | None) -> bool:
    fun = expr.fun
    return type(fun) is ast.Ident and fun.name == "close" and _find(fun.name, env) is None


def flatten_disjunction(expr: ast.BinaryExpr) -> list[tuple[Any, bool]]:
    """`a | *b | c` as [(a, False), (b, True), (c, False)]; parenthesized parts stay whole."""
    out: list[tuple[Any, bool]] = []

    def walk(e: Any) -> None:
        if type(e) is ast.BinaryExpr and e.op == "|":
            walk(e.x)
            walk(e.y)
        elif type(e) is ast.UnaryExpr and e.op == "*":
            out.append((e.x, True))
        else:
            out.append((e, False))

    walk(expr)
    return out


# --- checks ------------------------------------------------------------------


def check_validator(v: Validator, a: Atom, where: Vertex) -> None:
    if type(v) is BoundValue:
        if v.atom.kind & NUMBER and not a.kind & NUMBER:
            return
        try:
            ok = v.check(a)
        except re.error as exc:
            where.add_error(CueError(f"invalid regular expression: {exc}", where.path()))
            return
        if not ok:
            where.add_error(
                CueError(
                    f"invalid value {format_atom(a)} (out of bound {v!r})", where.path(), [a.pos]
                )
            )
        return
    from cueflow.cue.builtins import call_validator

    try:
        call_validator(v, a)
    except Bottom as b:
        where.add_error(b.err)


def label_matches(pattern: Any, env: Env | None, label: str) -> bool:
    """Whether a pattern constraint `[pattern]: v` applies to `label`."""
    try:
        p = eval_expr(pattern, env)
    except Bottom:
        return False
    a = Atom(STRING, label)
    if type(p) is Vertex:
        p.eval()
        if p.disj is not None:
            return any(_matches_vertex(c, a) for c in p.disj)
        return _matches_vertex(p, a)
    return _matches_value(p, a)


def _matches_vertex(v: Vertex, a: Atom) -> bool:
    if v.err is not None or not v.kind & STRING:
        return False
    if v.atom is not None:
        return atoms_equal(v.atom, a)
    return all(_matches_value(x, a) for x in v.validators)


def _matches_value(p: Any, a: Atom) -> bool:
    t = type(p)
    if t is TopValue:
        return True
    if t is KindValue:
        return bool(p.mask & STRING)
    if t is Atom:
        return atoms_equal(p, a)
    if t is BoundValue:
        try:
            return p.check(a)
        except (re.error, TypeError):
            return False
    return False


def first_error(
    v: Vertex, permanent_only: bool = False, depth: int = 0, definitions: bool = True
) -> CueError | None:
    """The first error in `v` or its non-optional arcs (evaluating them)."""
    v.eval()
    if v.disj is not None:
        return None
    if v.err is not None and (not permanent_only or not v.err.incomplete):
        return v.err
    if not permanent_only and v.pending_err is not None:
        return v.pending_err
    if depth > 200:
        return CueError("structural cycle", v.path())
    for label, a in v.arcs.items():
        if a.optional or (not definitions and is_definition(label)):
            continue
        e = first_error(a, permanent_only, depth + 1, definitions)
        if e is not None:
            return e
    return None


def same(a: Vertex, b: Vertex) -> bool:
    """Structural equality of two evaluated vertices (disjunct deduplication)."""
    a.eval()
    b.eval()
    if a is b:
        return True
    if a.disj is not None or b.disj is not None:
        return False
    if (a.err is None) != (b.err is None) or a.kind != b.kind:
        return False
    if a.atom is not None or b.atom is not None:
        return a.atom is not None and b.atom is not None and atoms_equal(a.atom, b.atom)
    if repr(a.validators) != repr(b.validators):
        return False
    if a.kind in (STRUCT, LIST):
        if len(a.arcs) != len(b.arcs) or a.list_len != b.list_len:
            return False
        if {g.closed and not g.open for g in a.groups} != {
            g.closed and not g.open for g in b.groups
        }:
            return False
        for label, x in a.arcs.items():
            y = b.arcs.get(label)
            if y is None or x.optional != y.optional or not same(x, y):
                return False
    return True


# --- scalar operations -------------------------------------------------------


def atoms_equal(a: Atom, b: Atom) -> bool:
    if a.kind & NUMBER and b.kind & NUMBER:
        return a.value == b.value
    return a.kind == b.kind and a.value == b.value


def compare(op: str, a: Atom, b: Atom) -> bool:
    if not ((a.kind & NUMBER and b.kind & NUMBER) or a.kind == b.kind) or a.kind in (NULL, BOOL):
        raise fail(f"invalid operands {format_atom(a)} and {format_atom(b)} to '{op}'")
    x, y = a.value, b.value
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    return x >= y


# --- expressions -------------------------------------------------------------


def _find(name: str, env: Env | None) -> Any:
    """Resolve an identifier through the scope chain; None when not declared."""
    e = env
    while e is not None:
        if e.decls is not None:
            hit = e.decls.get(name)
            if hit is QUOTED:
                hit = None
            elif hit is None and e.vertex is not None and e.vertex.parent is None:
                # top level: fields that other conjuncts (fills, other files) declare
                a = e.vertex.arcs.get(name)
                if a is not None and type(name) is str:
                    return a
            if hit is not None:
                kind, what = hit
                v = e.vertex
                assert v is not None
                if kind == "field":
                    a = v.arcs.get(what)
                    if a is None and v.state == NEW:
                        v.eval()
                        a = v.arcs.get(what)
                    if a is None:
                        raise incomplete(f"reference {name!r} not yet defined")
                    return a
                if kind == "dynamic":
                    label = concrete_atom(eval_expr(what.label.expr, e), what.pos, "label")
                    a = v.lookup(label.value, what.pos) if label.kind == STRING else None
                    if a is None:
                        raise fail(f"invalid label {format_atom(label)}", what.pos)
                    return a
                if e.lets is None:
                    e.lets = {}
                lv = e.lets.get(name)
                if lv is None:
                    lv = e.lets[name] = Vertex(v, None)
                    lv.regular = True
                    lv.conjuncts.append((what.expr, e, None, (0,)))
                return lv
        elif e.names is not None:
            if name in e.names:
                return e.names[name]
        elif e.vertex is not None:
            try:
                v = e.vertex.default_vertex()
            except Bottom:
                v = e.vertex
            if name in v.arcs:
                return v.arcs[name]
        e = e.parent
    return None


def resolve(expr: Any, env: Env | None) -> Any:
    """Evaluate a reference-like expression to a vertex (not forcing it) or a value."""
    t = type(expr)
    if t is ast.Ident:
        name = expr.name
        r = _find(name, env)
        if r is not None:
            if type(r) is Vertex and r.parent is not None and r.label is not None and r.optional:
                r.parent.eval()
                if r.optional:
                    raise incomplete(f"cannot reference optional field: {name}", expr.pos)
            return r
        from cueflow.cue.builtins import PREDECLARED

        p = PREDECLARED.get(name)
        if p is not None:
            return temp_vertex(p, None) if isinstance(p, ast.Node) else p
        raise fail(f"reference {name!r} not found", expr.pos)
    if t is ast.SelectorExpr:
        x = resolve(expr.x, env)
        if type(x) is Vertex:
            return x.lookup(expr.sel, expr.pos)
        if type(x) is PackageValue:
            from cueflow.cue.builtins import package_member

            return package_member(x, expr.sel, expr.pos)
        raise fail(f"invalid selector {expr.sel} on {x!r}", expr.pos)
    if t is ast.IndexExpr:
        x = resolve(expr.x, env)
        idx = concrete(eval_expr(expr.index, env), expr.index.pos)
        if type(idx) is not Atom:
            what = f"{describe_vertex(idx)} (invalid type {kind_name(idx.kind)})"
            raise fail(f"invalid index {what}", expr.index.pos)
        if type(x) is not Vertex:
            if type(x) is Atom and x.kind in (STRING, BYTES) and idx.kind == INT:
                raise fail("cannot index a string", expr.pos)
            raise fail(f"invalid index on {x!r}", expr.pos)
        xv = x.default_vertex()
        if xv.kind == LIST:
            if idx.kind != INT:
                raise fail(f"invalid list index {format_atom(idx)}", expr.pos)
            if xv.err is None and idx.value not in xv.arcs:
                if xv.elem_types and idx.value >= 0:
                    raise incomplete(f"index {idx.value} out of range (open list)", expr.pos)
                raise fail(f"invalid list index {idx.value} (out of bounds)", expr.pos)
            return xv.lookup(idx.value, expr.pos)
        if idx.kind != STRING:
            raise fail(f"invalid struct index {format_atom(idx)}", expr.pos)
        return xv.lookup(idx.value, expr.pos)
    if t is ast.ParenExpr:
        return resolve(expr.x, env)
    return eval_expr(expr, env)


def temp_vertex(expr: Any, env: Env | None) -> Vertex:
    v = Vertex(None, None)
    v.regular = True
    v.conjuncts.append((expr, env, None, (0,)))
    return v


def eval_expr(expr: Any, env: Env | None) -> Any:
    """Evaluate an expression in operand position: an atom, a vertex or another value."""
    t = type(expr)
    if t is ast.StringLit:
        return Atom(STRING, expr.value, expr.pos)
    if t is ast.IntLit:
        return Atom(INT, expr.value, expr.pos)
    if t is ast.Ident or t is ast.SelectorExpr or t is ast.IndexExpr:
        return resolve(expr, env)
    if t is ast.BoolLit:
        return Atom(BOOL, expr.value, expr.pos)
    if t is ast.FloatLit:
        return Atom(FLOAT, expr.value, expr.pos)
    if t is ast.NullLit:
        return Atom(NULL, None, expr.pos)
    if t is ast.BytesLit:
        return Atom(BYTES, expr.value, expr.pos)
    if t is ast.BottomLit:
        raise fail("explicit error (_|_ literal) in source", expr.pos)
    if t is ast.ParenExpr:
        return eval_expr(expr.x, env)
    if t is ast.Interpolation:
        return interpolate(expr, env)
    if t is ast.UnaryExpr:
        return unary(expr, env)
    if t is ast.BinaryExpr:
        return binary(expr, env)
    if t is ast.CallExpr:
        if _is_close(expr, env):
            return temp_vertex(expr, env)
        from cueflow.cue.builtins import call

        return call(expr, env)
    if t is VertexExpr:
        return expr.vertex
    if t is ast.SliceExpr:
        return slice_expr(expr, env)
    return temp_vertex(expr, env)


def concrete(v: Any, pos: ast.Pos = ast.NO_POS, what: str = "") -> Any:
    """The concrete atom (or struct/list vertex) of a value; defaults are chosen."""
    if type(v) is Atom:
        return v
    if type(v) is Vertex:
        d = v.default_vertex()
        if d.err is not None:
            raise Bottom(d.err)
        if d.atom is not None:
            return d.atom
        if d.kind == STRUCT or d.kind == LIST:
            return d
        suffix = f" in operand to {what}" if what else ""
        if d.state == EVALUATING:
            raise incomplete(f"cycle in evaluation of {d.path()}{suffix}", pos)
        raise incomplete(f"non-concrete value {describe_vertex(d)}{suffix}", pos)
    suffix = f" in operand to {what}" if what else ""
    raise incomplete(f"non-concrete value {v!r}{suffix}", pos)


def concrete_atom(v: Any, pos: ast.Pos, what: str) -> Atom:
    c = concrete(v, pos, what)
    if type(c) is not Atom:
        raise fail(f"invalid operand {describe_vertex(c)} to {what}", pos)
    return c


def unary(expr: ast.UnaryExpr, env: Env | None) -> Any:
    op = expr.op
    if op == "*":
        return eval_expr(expr.x, env)
    a = concrete_atom(eval_expr(expr.x, env), expr.pos, op)
    if op == "-" or op == "+":
        if not a.kind & NUMBER:
            raise fail(f"invalid operation {op}{format_atom(a)}", expr.pos)
        return Atom(a.kind, -a.value if op == "-" else a.value, expr.pos)
    if op == "!":
        if a.kind != BOOL:
            raise fail(f"invalid operation !{format_atom(a)}", expr.pos)
        return Atom(BOOL, not a.value, expr.pos)
    if op in ("=~", "!~") and a.kind != STRING:
        raise fail(f"invalid regular expression {format_atom(a)}", expr.pos)
    return BoundValue(op, a)


def exists(expr: Any, env: Env | None) -> bool:
    """`expr != _|_`: true unless evaluating `expr` fails or yields a non-concrete value."""
    try:
        v = eval_expr(expr, env)
    except Bottom as b:
        if b.err.message.startswith("reference ") and not b.err.incomplete:
            raise
        return False
    if type(v) is Atom:
        return True
    if type(v) is not Vertex:
        return False
    v.eval()
    if v.err is not None:
        return False
    if v.disj is not None:
        try:
            v = v.default_vertex()
        except Bottom:
            return False
        if v.err is not None:
            return False
    return v.atom is not None or v.kind in (STRUCT, LIST)


def binary(expr: ast.BinaryExpr, env: Env | None) -> Any:
    op = expr.op
    if op == "&" or op == "|":
        return temp_vertex(expr, env)
    if op == "==" or op == "!=":
        if type(expr.y) is ast.BottomLit:
            return Atom(BOOL, exists(expr.x, env) == (op == "!="), expr.pos)
        if type(expr.x) is ast.BottomLit:
            return Atom(BOOL, exists(expr.y, env) == (op == "!="), expr.pos)
    if op == "&&" or op == "||":
        # CUE v0.14 evaluates both operands: an error on either side is the result, a wrong
        # operand beating a merely incomplete one. Only the bool check stops at the left one.
        a, b = concrete_operand(expr.x, env, op), concrete_operand(expr.y, env, op)
        if type(a) is Bottom or type(b) is Bottom:
            errs = [e for e in (a, b) if type(e) is Bottom]
            raise next((e for e in errs if not e.err.incomplete), errs[0])
        for operand in (a, b):
            if operand.kind != BOOL:
                raise fail(f"invalid operand {format_atom(operand)} to {op}", expr.pos)
            if operand.value == (op == "||"):
                break
        return Atom(BOOL, operand.value, expr.pos)
    x = concrete(eval_expr(expr.x, env), expr.pos, op)
    y = concrete(eval_expr(expr.y, env), expr.pos, op)
    if op == "==" or op == "!=":
        return Atom(BOOL, values_equal(x, y, expr.pos) == (op == "=="), expr.pos)
    if type(x) is Vertex or type(y) is Vertex:
        joined = list_arith(op, x, y, expr.pos)
        if joined is None:
            raise fail(f"invalid operands to {op}", expr.pos)
        return joined
    return arith(op, x, y, expr.pos)


def concrete_operand(expr: Any, env: Env | None, op: str) -> Atom | Bottom:
    """An operand's concrete atom, or the error evaluating it gives (returned, not raised)."""
    try:
        return concrete_atom(eval_expr(expr, env), expr.pos, op)
    except Bottom as b:
        return b


def list_arith(op: str, x: Any, y: Any, pos: ast.Pos) -> Vertex | None:
    """`list + list` and `list * n` (either order), or None for other operands.

    CUE v0.14 dropped both, but KubeVela rewrites them to `list.Concat` / `list.Repeat`
    before compiling a template, so step templates still use them; the elements are kept as
    they are, concrete or not.
    """
    if op == "+" and type(x) is Vertex and type(y) is Vertex and x.kind == LIST == y.kind:
        items = list_elements(x) + list_elements(y)
    elif op == "*":
        xs, n = (x, y) if type(x) is Vertex else (y, x)
        if type(xs) is not Vertex or xs.kind != LIST or type(n) is not Atom or n.kind != INT:
            return None
        from cueflow.cue.std.list import MAX_REPEAT

        if not 0 <= n.value <= MAX_REPEAT:
            raise fail(f"cannot repeat a list {n.value} times", pos)
        items = list_elements(xs) * n.value
    else:
        return None
    return temp_vertex(ast.ListLit(pos, [VertexExpr(pos, a) for a in items]), None)


def list_elements(v: Vertex) -> list[Vertex]:
    return [v.arcs[i] for i in range(len(v.arcs))]


def values_equal(x: Any, y: Any, pos: ast.Pos) -> bool:
    if type(x) is Atom and type(y) is Atom:
        if x.kind == NULL or y.kind == NULL:
            return x.kind == y.kind
        if not ((x.kind & NUMBER and y.kind & NUMBER) or x.kind == y.kind):
            raise fail(
                f"invalid operands {format_atom(x)} and {format_atom(y)} to '==' "
                f"(mismatched types {kind_name(x.kind)} and {kind_name(y.kind)})",
                pos,
            )
        return atoms_equal(x, y)
    if type(x) is Atom or type(y) is Atom:
        a = x if type(x) is Atom else y
        if a.kind == NULL:
            return False
        raise fail("invalid operands to '==' (mismatched types)", pos)
    if x.kind != y.kind:
        return False
    xs = [
        (k, a)
        for k, a in x.arcs.items()
        if not a.optional and not is_hidden(k) and not is_definition(k)
    ]
    ys = {
        k: a
        for k, a in y.arcs.items()
        if not a.optional and not is_hidden(k) and not is_definition(k)
    }
    if len(xs) != len(ys):
        return False
    for k, a in xs:
        b = ys.get(k)
        if b is None or not values_equal(concrete(a, pos), concrete(b, pos), pos):
            return False
    return True


def arith(op: str, x: Atom, y: Atom, pos: ast.Pos) -> Atom:
    xk, yk = x.kind, y.kind
    if op in ("<", "<=", ">", ">="):
        return Atom(BOOL, compare(op, x, y), pos)
    if op in ("=~", "!~"):
        if xk != STRING or yk != STRING:
            raise fail(f"invalid operands to {op}", pos)
        try:
            found = re.search(y.value, x.value) is not None
        except re.error as exc:
            raise fail(f"invalid regular expression: {exc}", pos) from None
        return Atom(BOOL, found == (op == "=~"), pos)
    if xk & NUMBER and yk & NUMBER:
        a, b = x.value, y.value
        try:
            if op == "/":
                return Atom(FLOAT, numbers.quo(a, b), pos)
            if xk == INT and yk == INT:
                if op == "+":
                    return Atom(INT, a + b, pos)
                if op == "-":
                    return Atom(INT, a - b, pos)
                if op == "*":
                    return Atom(INT, a * b, pos)
            else:
                fn = {"+": numbers.add, "-": numbers.sub, "*": numbers.mul}.get(op)
                if fn is not None:
                    return Atom(FLOAT, fn(a, b), pos)
        except ArithmeticError:
            raise fail("division by zero", pos) from None
    elif op == "+" and xk == yk and xk in (STRING, BYTES):
        return Atom(xk, x.value + y.value, pos)
    elif op == "*" and {xk, yk} in ({STRING, INT}, {BYTES, INT}):
        s, n = (x, y) if yk == INT else (y, x)
        return Atom(s.kind, s.value * max(n.value, 0), pos)
    raise fail(
        f"invalid operation {format_atom(x)} {op} {format_atom(y)} "
        f"(mismatched types {kind_name(xk)} and {kind_name(yk)})",
        pos,
    )


def interpolate(expr: ast.Interpolation, env: Env | None) -> Atom:
    out: list[str] = []
    for part in expr.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        a = concrete(eval_expr(part, env), part.pos, "interpolation")
        if type(a) is Vertex:
            raise fail(
                f"invalid interpolation: cannot use {describe_vertex(a)} "
                f"(type {kind_name(a.kind)}) as type string",
                part.pos,
            )
        out.append(atom_text(a, part.pos))
    text = "".join(out)
    if expr.is_bytes:
        return Atom(BYTES, text.encode("utf-8"), expr.pos)
    return Atom(STRING, text, expr.pos)


def atom_text(a: Atom, pos: ast.Pos) -> str:
    if a.kind == STRING:
        return a.value
    if a.kind == BYTES:
        return a.value.decode("utf-8", "replace")
    if a.kind == NULL:
        raise fail("invalid interpolation: cannot use null as type string", pos)
    return format_atom(a)


def slice_expr(expr: ast.SliceExpr, env: Env | None) -> Any:
    """`x[lo:hi]` of a list or bytes (CUE cannot slice strings)."""
    x = concrete(eval_expr(expr.x, env), expr.pos, "slice")
    if type(x) is Atom and x.kind == BYTES:
        n = len(x.value)
    elif type(x) is Vertex and x.kind == LIST:
        n = len(x.arcs)
    else:
        what = format_atom(x) if type(x) is Atom else describe_vertex(x)
        raise fail(f"cannot slice {what} (type {kind_name(x.kind)})", expr.pos)
    lo = slice_index(expr.lo, env, 0)
    hi = slice_index(expr.hi, env, n)
    if hi > n:
        raise fail(f"index {hi} out of range", expr.pos)
    if lo > hi:
        raise fail(f"invalid slice index: {lo} > {hi}", expr.pos)
    if type(x) is Atom:
        return Atom(BYTES, x.value[lo:hi], expr.pos)
    elems = [VertexExpr(expr.pos, x.arcs[i]) for i in range(lo, hi)]
    return temp_vertex(ast.ListLit(expr.pos, elems), env)


def slice_index(bound: Any, env: Env | None, default: int) -> int:
    """One bound of a slice: a non-negative int, `default` when left out."""
    if bound is None:
        return default
    a = concrete_atom(eval_expr(bound, env), bound.pos, "slice index")
    if a.kind != INT:
        raise fail(f"invalid slice index {format_atom(a)}: must be an int", bound.pos)
    if a.value < 0:
        raise fail(f"invalid slice index {a.value}: must not be negative", bound.pos)
    return int(a.value)


# --- comprehensions ----------------------------------------------------------


def run_clauses(clauses: list[ast.Clause], env: Env | None) -> list[Env | None]:
    """The scopes a comprehension yields its body in; raises when undecided."""
    envs: list[Env | None] = [env]
    for c in clauses:
        nxt: list[Env | None] = []
        t = type(c)
        for e in envs:
            if t is ast.IfClause:
                a = concrete_atom(eval_expr(c.cond, e), c.pos, "if")
                if a.kind != BOOL:
                    raise fail(f"condition is not a bool: {format_atom(a)}", c.pos)
                if a.value:
                    nxt.append(e)
            elif t is ast.LetClause:
                lv = temp_vertex(c.expr, e)
                nxt.append(Env(e, names={c.name: lv}))
            else:
                src = concrete(eval_expr(c.source, e), c.pos, "for")
                if type(src) is not Vertex:
                    raise fail(f"cannot range over {format_atom(src)}", c.pos)
                for label, arc in iter_regular(src):
                    names: dict[str, Any] = {c.value: arc}
                    if c.key is not None:
                        names[c.key] = Atom(INT if type(label) is int else STRING, label)
                    nxt.append(Env(e, names=names))
        envs = nxt
    return envs


def iter_regular(v: Vertex) -> Iterator[tuple[str | int, Vertex]]:
    """Arcs a `for` ranges over: regular fields (no definitions, hidden, optional)."""
    for label, arc in v.arcs.items():
        if type(label) is str and (is_hidden(label) or is_definition(label)):
            continue
        if arc.optional:
            continue
        yield label, arc


# --- Python values -----------------------------------------------------------


def python_to_expr(value: Any, pos: ast.Pos = ast.NO_POS) -> Any:
    """A syntax tree for a Python value (dict keys become quoted, i.e. regular, labels)."""
    if value is None:
        return ast.NullLit(pos)
    if isinstance(value, bool):
        return ast.BoolLit(pos, value)
    if isinstance(value, int):
        return ast.IntLit(pos, value)
    if isinstance(value, Decimal):
        return ast.FloatLit(pos, value, numbers.format_float(value))
    if isinstance(value, float):
        d = Decimal(repr(value))
        return ast.FloatLit(pos, d, repr(value))
    if isinstance(value, str):
        return ast.StringLit(pos, value)
    if isinstance(value, bytes):
        return ast.BytesLit(pos, value)
    if isinstance(value, Vertex):
        return VertexExpr(pos, value)
    if isinstance(value, list | tuple):
        return ast.ListLit(pos, [python_to_expr(v, pos) for v in value])
    if isinstance(value, dict):
        return ast.StructLit(
            pos,
            [
                ast.Field(pos, ast.Label(pos, str(k), True), python_to_expr(v, pos))
                for k, v in value.items()
            ],
        )
    vertex = getattr(value, "_vertex", None)
    if isinstance(vertex, Vertex):
        return VertexExpr(pos, vertex)
    raise TypeError(f"cannot convert {type(value).__name__} to a CUE value")


def to_python(v: Vertex, *, depth: int = 0) -> Any:
    """The concrete Python value of `v` as `cue export` sees it; raises `Bottom`."""
    d = v.default_vertex()
    if d.err is not None:
        raise Bottom(d.err)
    if d.pending_err is not None:
        raise Bottom(d.pending_err)
    if d.atom is not None:
        return d.atom.value
    if depth > 500:
        raise fail("structural cycle")
    if d.kind == STRUCT:
        out: dict[str, Any] = {}
        for label, a in d.arcs.items():
            if isinstance(label, int):
                continue
            if is_hidden(label) or is_definition(label):
                # not exported, but a conflict in them still fails the export
                if a.regular:
                    err = first_error(a, permanent_only=True)
                    if err is not None:
                        raise Bottom(err)
                continue
            if not a.regular:
                if a.required:
                    raise Bottom(CueError("field is required but not present", a.path(), [], True))
                continue
            out[label] = to_python(a, depth=depth + 1)
        return out
    if d.kind == LIST:
        return [to_python(d.arcs[i], depth=depth + 1) for i in range(len(d.arcs))]
    raise Bottom(
        CueError(f"incomplete value {describe_vertex(d)}", d.path(), d.positions[:2], True)
    )
