"""
A griffe extension that teaches mkdocstrings three things about this
package, without touching its source:

* attrs classes (``@attrs.frozen``, ``@attrs.define`` …) get the
  ``__init__`` attrs generates at import time, so their reference pages
  show a signature and their ``Args:`` sections match it;
* Sphinx-style ``#:`` comments above an attribute become its docstring;
* reST leftovers in docstrings render as Markdown: ``Example::`` blocks
  become an Examples section with a fenced, highlighted code block, any
  other ``text::`` literal block becomes a fenced block, and roles such as
  ``:class:`~flireo_async.Timeout``` become links to the reference (plain
  inline code where the target is not rendered).

Loaded by ``mkdocs.yml`` (``plugins.mkdocstrings.handlers.python.options
.extensions``); it only runs while the documentation is built.
"""

from __future__ import annotations

import html
import re
import textwrap
from typing import Any

import griffe


_ATTRS_DECORATORS = frozenset(
    {
        "attrs.frozen",
        "attrs.define",
        "attrs.mutable",
        "attr.s",
        "attr.attrs",
        "attr.frozen",
        "attr.define",
    }
)
_ROLE = re.compile(r":(class|meth|func|data|attr|mod|exc|obj):`([^`]+)`")
_CALLABLE_ROLES = {"meth", "func"}
_SECTION_EXAMPLE = re.compile(r"^(\s*)Examples?(?: \(([^)]*)\))?::\s*$")
_LITERAL_INTRO = re.compile(r"^(\s*)(.*?)\s*::\s*$")


# -- attrs -----------------------------------------------------------------


def _attrs_decorator(cls: griffe.Class) -> griffe.Expr | str | None:
    for decorator in cls.decorators:
        value = decorator.value
        path = getattr(value, "canonical_path", None)
        if isinstance(value, griffe.ExprCall):
            path = value.function.canonical_path
        if path in _ATTRS_DECORATORS:
            return value
    return None


def _call_kwargs(expr: Any) -> dict[str, Any]:
    if not isinstance(expr, griffe.ExprCall):
        return {}
    kwargs: dict[str, Any] = {}
    for argument in expr.arguments:
        if isinstance(argument, griffe.ExprKeyword):
            kwargs[argument.name] = argument.value
    return kwargs


def _is_field_call(value: Any) -> bool:
    return isinstance(value, griffe.ExprCall) and str(
        value.function.canonical_path
    ) in {"attrs.field", "attr.ib", "attr.field", "attrs.ib"}


def _attrs_parameters(cls: griffe.Class) -> list[griffe.Parameter]:
    decorator = _attrs_decorator(cls)
    if decorator is None:
        return []
    options = _call_kwargs(decorator)
    kw_only = str(options.get("kw_only")) == "True"
    parameters = []
    for member in cls.members.values():
        if not isinstance(member, griffe.Attribute) or member.is_alias:
            continue
        if member.annotation is None:
            continue
        if "property" in member.labels or (
            "class-attribute" in member.labels
            and "instance-attribute" not in member.labels
        ):
            continue
        if "ClassVar" in str(member.annotation):
            continue
        field_kwargs = (
            _call_kwargs(member.value) if _is_field_call(member.value) else {}
        )
        if str(field_kwargs.get("init")) == "False":
            continue
        if _is_field_call(member.value):
            if "factory" in field_kwargs:
                default: Any = griffe.ExprCall(
                    function=field_kwargs["factory"], arguments=[]
                )
            else:
                default = field_kwargs.get("default")
        else:
            default = member.value
        kind = (
            griffe.ParameterKind.keyword_only
            if kw_only or str(field_kwargs.get("kw_only")) == "True"
            else griffe.ParameterKind.positional_or_keyword
        )
        parameters.append(
            griffe.Parameter(
                member.name,
                annotation=member.annotation,
                kind=kind,
                default=default,
                docstring=member.docstring,
            )
        )
    return parameters


def _set_attrs_init(cls: griffe.Class) -> None:
    if "__init__" in cls.members or _attrs_decorator(cls) is None:
        return
    parameters: list[griffe.Parameter] = []
    try:
        mro = cls.mro()
    except ValueError:
        mro = []
    for parent in reversed(mro):
        parameters.extend(_attrs_parameters(parent))
    parameters.extend(_attrs_parameters(cls))
    by_name = {p.name: p for p in parameters}
    ordered = [
        p
        for p in by_name.values()
        if p.kind is not griffe.ParameterKind.keyword_only
    ] + [
        p
        for p in by_name.values()
        if p.kind is griffe.ParameterKind.keyword_only
    ]
    cls.set_member(
        "__init__",
        griffe.Function(
            "__init__",
            lineno=0,
            endlineno=0,
            parent=cls,
            parameters=griffe.Parameters(
                griffe.Parameter(
                    "self",
                    kind=griffe.ParameterKind.positional_or_keyword,
                ),
                *ordered,
            ),
            returns="None",
        ),
    )


# -- ``#:`` comments -------------------------------------------------------


def _comment_docstring(attribute: griffe.Attribute) -> None:
    if attribute.docstring is not None or not attribute.lineno:
        return
    try:
        lines = attribute.lines_collection[attribute.filepath]
    except (KeyError, TypeError, griffe.BuiltinModuleError):
        return
    comment: list[str] = []
    index = attribute.lineno - 2
    while index >= 0 and lines[index].lstrip().startswith("#:"):
        comment.insert(0, lines[index].lstrip()[2:].strip())
        index -= 1
    if comment:
        attribute.docstring = griffe.Docstring(
            " ".join(comment), parent=attribute
        )


# -- reST leftovers --------------------------------------------------------


def _identifier(obj: griffe.Object, target: str) -> str | None:
    # The full path *target* names where *obj* is written, if griffe can
    # tell (``Timeout`` in ``_client`` -> ``flireo_async._core._timeout.Timeout``).
    root = obj.package.name
    if target == root or target.startswith(f"{root}."):
        return target
    head, _, rest = target.partition(".")
    try:
        path = obj.resolve(head)
    except (griffe.NameResolutionError, ValueError, KeyError):
        return None
    return f"{path}.{rest}" if rest else path


def _roles(text: str, obj: griffe.Object) -> str:
    def replace(match: re.Match[str]) -> str:
        role, target = match.groups()
        target = target.lstrip("~")
        name = target.rsplit(".", 1)[-1] if role != "mod" else target
        if role in _CALLABLE_ROLES:
            name += "()"
        identifier = _identifier(obj, target)
        if identifier is None:
            return f"`{name}`"
        # An optional autoref: a link when the target is rendered
        # anywhere in the site, plain code (and no warning) when not.
        return (
            f'<autoref identifier="{html.escape(identifier)}" optional>'
            f"<code>{html.escape(name)}</code></autoref>"
        )

    return _ROLE.sub(replace, text)


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def _literal_blocks(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        example = _SECTION_EXAMPLE.match(line)
        intro = _LITERAL_INTRO.match(line) if not example else None
        if not (example or intro):
            out.append(line)
            i += 1
            continue
        base = _indent_of(line)
        # The literal block: every following line that is blank or
        # indented deeper than the introducing line.
        j = i + 1
        block: list[str] = []
        while j < len(lines) and (
            not lines[j].strip() or _indent_of(lines[j]) > base
        ):
            block.append(lines[j])
            j += 1
        while block and not block[-1].strip():
            block.pop()
            j -= 1
        if not block:
            out.append(line)
            i += 1
            continue
        code = textwrap.dedent("\n".join(block)).strip("\n")
        language = "text" if "──" in code else "python"
        pad = " " * base
        if example:
            caption = example.group(2)
            out.append(f"{pad}Examples:")
            inner = pad + "    "
            if caption:
                out.append(f"{inner}{caption[0].upper()}{caption[1:]}:")
                out.append("")
            out.append(f"{inner}```{language}")
            out.extend(
                f"{inner}{c}" if c.strip() else "" for c in code.splitlines()
            )
            out.append(f"{inner}```")
        else:
            lead = intro.group(2) if intro else ""
            if lead:
                out.append(f"{pad}{lead}:")
                out.append("")
            out.append(f"{pad}```{language}")
            out.extend(
                f"{pad}{c}" if c.strip() else "" for c in code.splitlines()
            )
            out.append(f"{pad}```")
        i = j
    return "\n".join(out)


def _rewrite(docstring: griffe.Docstring, obj: griffe.Object) -> None:
    docstring.value = _literal_blocks(_roles(docstring.value, obj))


# -- the extension ---------------------------------------------------------


class FlireoDocs(griffe.Extension):
    """Apply the rewrites above to every object of a loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Walk the package once it is loaded."""
        self._walk(pkg, set())

    def _walk(self, obj: griffe.Object, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if isinstance(obj, griffe.Class):
            _set_attrs_init(obj)
        if isinstance(obj, griffe.Attribute):
            _comment_docstring(obj)
        if obj.docstring is not None:
            _rewrite(obj.docstring, obj)
        for member in list(obj.members.values()):
            if member.is_alias:
                continue
            self._walk(member, seen)  # type: ignore[arg-type]


__all__ = ["FlireoDocs"]
