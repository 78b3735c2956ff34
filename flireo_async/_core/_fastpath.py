"""
Generated structure functions: the converter's fast path for valid
answers.

Strategy: for each plain attrs model (no validators or converters), one
Python function is generated and compiled, with every check inlined and
nested models called directly: ``type(v) is str`` instead of a hook call
per field, ``object.__new__`` and one ``object.__setattr__`` per slot
instead of the keyword matching of ``__init__``.  It checks exactly what
the cattrs hooks check (strict primitives, open enums, aware datetimes,
finite decimals, lists for tuples, required keys) and raises at the first
thing it does not like; the converter then runs the cattrs function for
the same data, which raises the readable error (or, were the fast path
ever stricter than cattrs, returns the value).  So answers decode as
fast as the checks allow while error messages stay cattrs' own.

A model this module cannot compile (a type it does not know) gets
``None`` and is decoded by cattrs alone.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs


__all__ = ["compile_model"]

_MISSING = object()
_MEMO_SIZE = 256
_PRIMITIVES = (str, int, bool)


class _Unsupported(Exception):
    """A field type the generator leaves to cattrs."""


def _union_args(t: Any) -> tuple[Any, ...]:
    if isinstance(t, types.UnionType) or typing.get_origin(t) is typing.Union:
        return typing.get_args(t)
    return ()


def _all_text(cls: type) -> bool:
    """Whether every field of *cls* holds text (or an open text enum)."""
    for hint in typing.get_type_hints(cls).values():
        for kind in _union_args(hint) or (hint,):
            if kind is type(None):
                continue
            text_enum = isinstance(kind, type) and issubclass(kind, enum.Enum)
            if kind is not str and not (
                text_enum and all(type(m.value) is str for m in kind)
            ):
                return False
    return True


class _Builder:
    def __init__(
        self,
        cls: type,
        compiled: Callable[[type], Callable[[Any], Any] | None],
        hooks: dict[str, Any],
    ) -> None:
        self.cls = cls
        self.compiled = compiled
        self.env = hooks
        self.lines: list[str] = []
        self.counter = 0

    def name(self, prefix: str, value: Any) -> str:
        self.counter += 1
        key = f"_{prefix}{self.counter}"
        self.env[key] = value
        return key

    def check(self, t: Any, var: str, indent: str) -> None:
        """Lines that check *var* against *t* and rebind it decoded."""
        out = self.lines.append
        args = _union_args(t)
        nullable = type(None) in args
        if args:
            rest = [a for a in args if a is not type(None)]
            enums = [
                a
                for a in rest
                if isinstance(a, type) and issubclass(a, enum.Enum)
            ]
            if len(enums) == 1 and str in rest and len(rest) == 2:
                members = self.name("members", {m.value: m for m in enums[0]})
                if nullable:
                    out(f"{indent}if {var} is not None:")
                    indent += "    "
                out(f"{indent}if {var}.__class__ is not str: raise _Bad")
                out(f"{indent}{var} = {members}.get({var}, {var})")
                return
            if nullable and len(rest) == 1:
                out(f"{indent}if {var} is not None:")
                self.check(rest[0], var, indent + "    ")
                return
            raise _Unsupported(t)
        if t in _PRIMITIVES:
            out(f"{indent}if {var}.__class__ is not {t.__name__}: raise _Bad")
            return
        if t is float:
            out(f"{indent}if {var}.__class__ is int: {var} = float({var})")
            out(f"{indent}elif {var}.__class__ is not float: raise _Bad")
            return
        if t is datetime:
            # The converter's datetime hook, inlined; the first and last
            # years (where an offset can leave the range) are left to it.
            out(f"{indent}if {var}.__class__ is not str: raise _Bad")
            out(f"{indent}{var} = _fromiso({var})")
            out(f"{indent}if {var}.tzinfo is None:")
            out(f"{indent}    {var} = {var}.replace(tzinfo=_UTC)")
            out(f"{indent}elif {var}.year in (1, 9999): raise _Bad")
            return
        if t is Decimal:
            hook = self.name("hook", self.env["_hooks"][t])
            out(f"{indent}{var} = {hook}({var}, None)")
            return
        origin = typing.get_origin(t)
        targs = typing.get_args(t)
        if origin is tuple and len(targs) == 2 and targs[1] is Ellipsis:
            item = self.name("item", None)
            out(f"{indent}if {var}.__class__ is not list: raise _Bad")
            if targs[0] in _PRIMITIVES:
                kind = targs[0].__name__
                out(
                    f"{indent}for {item} in {var}:\n{indent}    "
                    f"if {item}.__class__ is not {kind}: raise _Bad"
                )
                out(f"{indent}{var} = tuple({var})")
                return
            inner = self._nested(targs[0])
            out(f"{indent}{var} = tuple(map({inner}, {var}))")
            return
        if isinstance(t, type) and attrs.has(t):
            inner = self._nested(t)
            if _all_text(t):
                self._shared(inner, var, indent)
            else:
                out(f"{indent}{var} = {inner}({var})")
            return
        raise _Unsupported(t)

    def _shared(self, inner: str, var: str, indent: str) -> None:
        # A page repeats the same nested group on every item (the
        # benchmark's 100 orders share one): an answer's identical text
        # objects decode once and the frozen instance is shared.  Only
        # models of text fields qualify, because in a key 1 == True ==
        # 1.0 but "1" equals no other JSON value; the memo is bounded.
        memo = self.name("memo", {})
        out = self.lines.append
        out(f"{indent}if {var}.__class__ is not dict: raise _Bad")
        out(f"{indent}try:")
        out(f"{indent}    k = (*{var}.items(),)")
        out(f"{indent}    w = {memo}.get(k)")
        out(f"{indent}except TypeError:  # an unhashable extra key's value")
        out(f"{indent}    k = w = None")
        out(f"{indent}if w is None:")
        out(f"{indent}    w = {inner}({var})")
        out(f"{indent}    if k is not None:")
        out(f"{indent}        if len({memo}) >= _MEMO_SIZE: {memo}.clear()")
        out(f"{indent}        {memo}[k] = w")
        out(f"{indent}{var} = w")

    def _nested(self, t: Any) -> str:
        if not (isinstance(t, type) and attrs.has(t)):
            raise _Unsupported(t)
        fn = self.compiled(t)
        if fn is None:
            raise _Unsupported(t)
        return self.name("model", fn)

    def build(self, skip: frozenset[str]) -> Callable[[Any], Any]:
        cls = self.cls
        hints = typing.get_type_hints(cls)
        out = self.lines.append
        out("def structure(d):")
        out("    if d.__class__ is not dict: raise _Bad")
        out(f"    o = _new({self.name('cls', cls)})")
        for f in attrs.fields(cls):
            if f.validator is not None or f.converter is not None:
                raise _Unsupported(f.name)
            default = f.default
            if f.name in skip:
                value = self._default(default)
                out(f"    {self._setter(f.name)}(o, {value})")
                continue
            if default is attrs.NOTHING:
                out(f"    v = d[{f.alias or f.name!r}]")
                self.check(hints[f.name], "v", "    ")
            elif default is None and type(None) in _union_args(hints[f.name]):
                # Absent and null read the same: one lookup, one check.
                out(f"    v = d.get({f.alias or f.name!r})")
                self.check(hints[f.name], "v", "    ")
            else:
                out(f"    v = d.get({f.alias or f.name!r}, _MISSING)")
                out("    if v is _MISSING:")
                out(f"        v = {self._default(default)}")
                out("    else:")
                self.check(hints[f.name], "v", "        ")
            out(f"    {self._setter(f.name)}(o, v)")
        out("    return o")
        scope: dict[str, Any] = {
            **self.env,
            "_Bad": _Bad,
            "_MISSING": _MISSING,
            "_MEMO_SIZE": _MEMO_SIZE,
            "_new": object.__new__,
            "_fromiso": datetime.fromisoformat,
            "_UTC": UTC,
            "_set": object.__setattr__,
        }
        code = "\n".join(self.lines)
        exec(compile(code, f"<structure {cls.__qualname__}>", "exec"), scope)  # noqa: S102
        fn: Callable[[Any], Any] = scope["structure"]
        return fn

    def _setter(self, name: str) -> str:
        # A slot's own descriptor sets it a third faster than
        # object.__setattr__, which looks the name up first.
        for klass in self.cls.__mro__:
            found = klass.__dict__.get(name)
            if isinstance(found, types.MemberDescriptorType):
                return self.name("set", found.__set__)
        return self.name("set", functools.partial(_set_attribute, name=name))

    def _default(self, default: Any) -> str:
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            if default.takes_self:
                raise _Unsupported("a factory that takes self")
            return f"{self.name('factory', default.factory)}()"
        return self.name("default", default)


def _set_attribute(obj: object, value: Any, *, name: str) -> None:
    object.__setattr__(obj, name, value)


class _Bad(Exception):
    """The fast path declines; the cattrs path decides."""


def compile_model(
    cls: type,
    *,
    compiled: Callable[[type], Callable[[Any], Any] | None],
    hooks: dict[type, Callable[[Any, Any], Any]],
    skip: frozenset[str] = frozenset(),
) -> Callable[[Any], Any] | None:
    """
    Generate the fast structure function of an attrs model.

    Args:
        cls: The attrs class.
        compiled: The fast function of a nested model (or ``None``).
        hooks: The converter's hooks for ``datetime`` and ``Decimal``.
        skip: Fields never read from the wire (set to their default).

    Returns:
        ``structure(data) -> instance``, raising on anything that does
        not fit; or ``None`` when the class has a field it cannot handle.
    """
    builder = _Builder(cls, compiled, {"_hooks": hooks})
    try:
        return builder.build(skip)
    except (_Unsupported, NameError, TypeError):
        return None
