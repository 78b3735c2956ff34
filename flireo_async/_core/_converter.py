"""
The one cattrs converter, and the only module that imports cattrs.

Wire names equal field names for the provisioning API, so no renaming is
registered; what needs care is the value types: aware datetimes,
``Decimal`` money, open enums (unknown values stay strings) and
``X | None`` fields, which get a specialised hook each because cattrs'
generic optional dispatch dominated decoding time in the baseline profile.
Unknown JSON keys are ignored (``forbid_extra_keys=False``) so a field
the API adds tomorrow does not break today's client.

Speed (benchmarks/bench_decode.py): every plain model also gets a
generated function (`_fastpath`) with its checks inlined, that builds the
instance with ``object.__new__`` and one ``object.__setattr__`` per slot;
cattrs' own function runs only for an answer the generated one declines,
so errors read exactly as before; `structure()` calls a model's generated
function directly, without cattrs' dispatch.  A nested model of text
fields only (an order's ``verification_group``) is decoded once per
distinct value and the frozen instance shared, as a page repeats the same
group on every item.  The models stay slotted (API.md §3): a ``__dict__``
model was measured ~10% faster to build, not enough to give up slots'
memory and attribute checks; with slots, ``object.__new__`` plus one slot
descriptor call per field is the cheapest build Python offers (attrs'
``__init__`` costs twice that, and a ``__class__`` swap from an unfrozen
twin is refused for classes with ``__weakref__`` slots).

Webhook events are the exception to "wire names equal field names": the
same event arrives in camelCase or snake_case depending on the doc
generation, so classes marked with `either_case()` read each field
from its snake_case name, its camelCase name, or the keys listed in the
field's ``metadata[WIRE_NAMES]``.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ..exceptions import ResponseDecodeError
from ._fastpath import compile_model


if TYPE_CHECKING:
    import cattrs


__all__ = [
    "NOT_ON_WIRE",
    "WIRE_NAMES",
    "either_case",
    "get_converter",
    "structure",
]

T = TypeVar("T")

#: Field metadata key: the wire keys a field is read from, first match
#: wins (``attrs.field(metadata={WIRE_NAMES: ("callId", "callSession")})``).
WIRE_NAMES = "flireo_wire_names"

#: Field metadata key: the SDK sets this field and never reads it from an
#: answer (``OrderReceipt.reconciled``: a server cannot claim that its own
#: answer was lost).
NOT_ON_WIRE = "flireo_not_on_wire"

_EITHER_CASE: set[type] = set()


def either_case(cls: type[T]) -> type[T]:
    """
    Class decorator: read an attrs class from camelCase or snake_case keys.

    Args:
        cls: An attrs class whose field names are snake_case.

    Returns:
        *cls*, registered with the converter.
    """
    _EITHER_CASE.add(cls)
    return cls


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _is_either_case(t: Any) -> bool:
    return isinstance(t, type) and t in _EITHER_CASE


def _structure_datetime(value: Any, _: type) -> datetime:
    if not isinstance(value, str):
        msg = f"expected an ISO 8601 string, got {type(value).__name__}"
        raise TypeError(msg)
    parsed = datetime.fromisoformat(value)
    # The API documents UTC ("...Z"); a naive value is read as UTC rather
    # than handed out as a naive datetime.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    if parsed.year in (1, 9999):
        try:
            # "0001-01-01T00:00+01:00" parses, but comparing it (or sorting
            # events by it) would raise OverflowError later, far from here;
            # only the first and last years can leave the range.
            parsed.astimezone(UTC)
        except OverflowError:
            msg = f"a timestamp out of range: {value!r}"
            raise ValueError(msg) from None
    return parsed


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        msg = f"expected a decimal string, got {type(value).__name__}"
        raise TypeError(msg)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        msg = f"not a decimal: {value!r}"
        raise ValueError(msg) from None
    if not number.is_finite():
        msg = f"not a finite amount: {value!r}"
        raise ValueError(msg)
    return number


def _strict(kind: type) -> Callable[[Any, Any], Any]:
    # cattrs' defaults coerce (str(None) == "None", bool("false") is True);
    # a decoder for money and orders must not guess.
    def structure(value: Any, _: Any) -> Any:
        if type(value) is kind:
            return value
        if kind is float and type(value) is int:
            return float(value)
        msg = f"expected {kind.__name__}, got {type(value).__name__}"
        raise TypeError(msg)

    return structure


def _union_args(t: Any) -> tuple[Any, ...]:
    if isinstance(t, types.UnionType) or typing.get_origin(t) is typing.Union:
        return typing.get_args(t)
    return ()


def _open_enum(args: tuple[Any, ...]) -> type[enum.Enum] | None:
    enums = [
        a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)
    ]
    if len(enums) == 1 and str in args:
        return enums[0]
    return None


def _is_open_enum(t: Any) -> bool:
    return _open_enum(_union_args(t)) is not None


def _open_enum_hook(t: Any) -> Callable[[Any, Any], Any]:
    args = _union_args(t)
    enum_cls = _open_enum(args)
    assert enum_cls is not None  # noqa: S101 - guarded by the predicate
    nullable = type(None) in args
    members = {m.value: m for m in enum_cls}

    def structure(value: Any, _: Any) -> Any:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            msg = f"expected a string for {enum_cls.__name__}"
            raise TypeError(msg)
        return members.get(value, value)

    return structure


def _is_plain_optional(t: Any) -> bool:
    args = _union_args(t)
    return len(args) == 2 and type(None) in args and _open_enum(args) is None


def _not_on_wire(t: Any) -> tuple[str, ...]:
    if not (isinstance(t, type) and attrs.has(t)):
        return ()
    return tuple(
        f.name for f in attrs.fields(t) if f.metadata.get(NOT_ON_WIRE)
    )


def _is_variadic_tuple(t: Any) -> bool:
    args = typing.get_args(t)
    return (
        typing.get_origin(t) is tuple
        and len(args) == 2
        and (args[1] is Ellipsis)
    )


def _make_converter() -> cattrs.Converter:
    # cattrs is imported here, on the first answer to decode, not at
    # `import flireo_async`: it is a fifth of the package's import time.
    import cattrs
    from cattrs.cols import (
        homogenous_tuple_structure_factory,
    )
    from cattrs.gen import make_dict_structure_fn

    c = cattrs.Converter(forbid_extra_keys=False)
    for kind in (str, int, float, bool):
        c.register_structure_hook(kind, _strict(kind))
    c.register_structure_hook(datetime, _structure_datetime)
    c.register_structure_hook(Decimal, _structure_decimal)
    c.register_structure_hook_factory(_is_open_enum, _open_enum_hook)

    def optional_hook(t: Any) -> Callable[[Any, Any], Any]:
        inner = next(a for a in _union_args(t) if a is not type(None))
        if inner in (str, int, bool):
            # One call instead of two on the hottest fields.
            kind = inner

            def primitive(value: Any, _: Any) -> Any:
                if value is None or type(value) is kind:
                    return value
                msg = f"expected {kind.__name__}, got {type(value).__name__}"
                raise TypeError(msg)

            return primitive
        handler = c.get_structure_hook(inner)

        def structure(value: Any, _: Any) -> Any:
            return None if value is None else handler(value, inner)

        return structure

    c.register_structure_hook_factory(_is_plain_optional, optional_hook)

    from cattrs.gen import override

    fast: dict[type, Callable[[Any], Any] | None] = {}
    hooks: dict[type, Callable[[Any, Any], Any]] = {
        datetime: _structure_datetime,
        Decimal: _structure_decimal,
    }

    def fast_for(t: type) -> Callable[[Any], Any] | None:
        if t not in fast:
            fast[t] = None  # a model that contains itself stays on cattrs
            fast[t] = compile_model(
                t,
                compiled=fast_for,
                hooks=hooks,
                skip=frozenset(_not_on_wire(t)),
            )
        return fast[t]

    def tuple_hook(t: Any) -> Callable[[Any, Any], Any]:
        # cattrs would happily split the string "voice" into characters.
        inner = homogenous_tuple_structure_factory(t, c)
        item = typing.get_args(t)[0]
        quick = fast_for(item) if attrs.has(item) else None

        def structure(value: Any, _: Any) -> Any:
            if not isinstance(value, list | tuple):
                msg = f"expected a list, got {type(value).__name__}"
                raise TypeError(msg)
            if quick is not None:
                # A page of models: the generated function per item, and
                # cattrs for the whole list if any item is declined.
                try:
                    return tuple(map(quick, value))
                except Exception:  # noqa: S110 - cattrs words the error
                    pass
            return inner(value, t)

        return structure

    c.register_structure_hook_factory(_is_variadic_tuple, tuple_hook)

    def either_case_hook(t: Any) -> Callable[[Any, Any], Any]:
        inner = make_dict_structure_fn(t, c)
        keys = [
            (f.name, f.metadata.get(WIRE_NAMES) or (f.name, _camel(f.name)))
            for f in attrs.fields(t)
        ]

        def structure(value: Any, _: Any) -> Any:
            if not isinstance(value, dict):
                msg = f"expected an object, got {type(value).__name__}"
                raise TypeError(msg)
            picked: dict[str, Any] = {}
            for name, wire_keys in keys:
                for key in wire_keys:
                    if key in value:
                        picked[name] = value[key]
                        break
            return inner(picked, t)

        return structure

    c.register_structure_hook_factory(_is_either_case, either_case_hook)

    def model_hook(t: Any) -> Callable[[Any, Any], Any]:
        # cattrs' own function is the reference: it decides every answer
        # the generated one declines, so its errors are the ones raised.
        omitted = {name: override(omit=True) for name in _not_on_wire(t)}
        detailed = make_dict_structure_fn(t, c, **omitted)  # type: ignore[arg-type]
        quick = fast_for(t)
        if quick is None:
            return detailed

        def structure(value: Any, _: Any) -> Any:
            try:
                return quick(value)
            except Exception:  # cattrs decides (and words the error)
                return detailed(value, t)

        _QUICK[t] = quick, detailed
        return structure

    c.register_structure_hook_factory(
        lambda t: (
            isinstance(t, type) and attrs.has(t) and not _is_either_case(t)
        ),
        model_hook,
    )
    return c


#: Model class -> its generated structure function and cattrs' own,
#: filled as the converter builds each model's hook (after its first use).
_QUICK: dict[Any, tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]] = {}


@cache
def get_converter() -> cattrs.Converter:
    """The package's one converter, built on first use."""
    return _make_converter()


# Error paths are for a human reading a traceback; an answer with a
# million bad items must not make a million-line exception.
_MAX_ERRORS = 20
_MAX_ERROR_LENGTH = 300


def _clip(text: str) -> str:
    if len(text) <= _MAX_ERROR_LENGTH:
        return text
    return text[: _MAX_ERROR_LENGTH - 1] + "\u2026"


def _readable(exc: Exception) -> tuple[str, ...]:
    import cattrs

    if isinstance(exc, cattrs.BaseValidationError):
        lines = cattrs.transform_error(exc)
    else:
        lines = [f"{type(exc).__name__}: {exc}"]
    return tuple(_clip(line) for line in lines[:_MAX_ERRORS])


def structure(data: Any, cls: type[T], *, status: int = 200) -> T:
    """
    Structure decoded JSON into *cls*, or raise ``ResponseDecodeError``.

    Args:
        data: Decoded JSON.
        cls: The model class.
        status: The answer's status, kept on the error.

    Returns:
        An instance of *cls*.

    Raises:
        ResponseDecodeError: The data does not fit; ``errors`` lists the
            readable paths cattrs found (``... @ $.phone_number``).
    """
    pair = _QUICK.get(cls)
    if pair is not None:
        # A model's generated function, called without cattrs' dispatch
        # (most answers); whatever it declines, cattrs' function decides.
        quick, detailed = pair
        try:
            return quick(data)  # type: ignore[no-any-return]
        except Exception:  # noqa: S110 - cattrs below words the error
            pass
    try:
        if pair is not None:
            return detailed(data, cls)  # type: ignore[no-any-return]
        return get_converter().structure(data, cls)
    # Whatever a malformed answer trips in cattrs or a hook (a
    # RecursionError, an OverflowError, a decimal signal …) is the
    # answer's fault, so it is a decode error, never a bare exception.
    except Exception as exc:
        errors = _readable(exc)
    name = getattr(cls, "__name__", str(cls))
    msg = f"the answer does not fit {name}"
    raise ResponseDecodeError(msg, status=status, errors=errors)
