"""
``flireo completion bash|zsh``: shell completion scripts.

The scripts are generated from the argument parser itself, so they can
never name a command or option the program does not have.  Each shell
gets the same small tables (``case`` statements, valid in both) and a
driver that walks the words typed so far to find the subcommand.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import attrs


__all__ = ["script"]

_FILES = "@files"
# Arguments whose values are paths.
_PATH_DESTS = frozenset({"file", "journal"})


@attrs.define
class _Node:
    words: list[str] = attrs.Factory(list)
    options: list[str] = attrs.Factory(list)
    takes_value: list[str] = attrs.Factory(list)
    values: dict[str, str] = attrs.Factory(dict)
    positional: str = ""


def _values(action: argparse.Action) -> str:
    if action.dest in _PATH_DESTS:
        return _FILES
    if action.choices is not None:
        return " ".join(str(c) for c in action.choices)
    return ""


def _walk(
    parser: argparse.ArgumentParser, path: str
) -> Iterator[tuple[str, _Node]]:
    node = _Node()
    children: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                node.words.append(name)
                children.append((name, child))
        elif action.option_strings:
            node.options.extend(action.option_strings)
            if action.nargs != 0:
                for option in action.option_strings:
                    node.takes_value.append(option)
                    node.values[option] = _values(action)
        elif not node.positional:
            node.positional = _values(action)
    yield path, node
    for name, child in children:
        if name == "sandbox":
            child = _sandbox_parser()
        yield from _walk(child, f"{path} {name}".strip())


def _sandbox_parser() -> argparse.ArgumentParser:
    # `flireo sandbox` hands its arguments to the sandbox's own parser.
    from ..testing.sandbox.__main__ import build_parser

    return build_parser()


def _case(function: str, key: str, arms: dict[str, str], doc: str) -> str:
    lines = [f"# {doc}", f"{function}() {{", f'    case "{key}" in']
    for pattern, text in arms.items():
        lines.append(f'        "{pattern}") echo "{text}" ;;')
    lines += ["    esac", "}", ""]
    return "\n".join(lines)


def _tables(parser: argparse.ArgumentParser) -> str:
    nodes = dict(_walk(parser, ""))
    takes = [
        f"{path}|{option}"
        for path, node in nodes.items()
        for option in node.takes_value
    ]
    values = {
        f"{path}|{option}": text
        for path, node in nodes.items()
        for option, text in node.values.items()
        if text
    }
    return "\n".join(
        [
            _case(
                "_flireo_words",
                "$1",
                {p: " ".join(n.words) for p, n in nodes.items() if n.words},
                "Subcommands under a command path.",
            ),
            _case(
                "_flireo_options",
                "$1",
                {p: " ".join(n.options) for p, n in nodes.items()},
                "Options of a command path.",
            ),
            _case(
                "_flireo_values",
                "$1|$2",
                values,
                f"Values of an option ({_FILES}: file names).",
            ),
            _case(
                "_flireo_positional",
                "$1",
                {p: n.positional for p, n in nodes.items() if n.positional},
                "Values of a command's first positional argument.",
            ),
            "# Whether an option takes a value (the next word).",
            "_flireo_takes_value() {",
            '    case "$1|$2" in',
            *(f'        "{t}") return 0 ;;' for t in takes),
            "    esac",
            "    return 1",
            "}",
            "",
            "# The command path (e.g. 'numbers search') of words 1..N-1.",
            "_flireo_path() {",
            '    local cmd_path="" word skip=0',
            '    for word in "$@"; do',
            "        if ((skip)); then skip=0; continue; fi",
            "        case $word in",
            "            --*=*) continue ;;",
            "            -*)",
            '                _flireo_takes_value "$cmd_path" "$word" '
            "&& skip=1",
            "                continue ;;",
            "        esac",
            '        if [[ " $(_flireo_words "$cmd_path") " == '
            '*" $word "* ]]; then',
            '            cmd_path="${cmd_path:+$cmd_path }$word"',
            "        fi",
            "    done",
            '    echo "$cmd_path"',
            "}",
            "",
            "# What to offer: one word list, or @files.",
            "_flireo_offer() {",
            '    local cmd_path="$1" prev="$2" cur="$3"',
            '    if [[ $prev == -* ]] && _flireo_takes_value "$cmd_path" '
            '"$prev"; then',
            '        _flireo_values "$cmd_path" "$prev"',
            "    elif [[ $cur == -* ]]; then",
            '        _flireo_options "$cmd_path"',
            '    elif [[ -n "$(_flireo_words "$cmd_path")" ]]; then',
            '        _flireo_words "$cmd_path"',
            "    else",
            '        _flireo_positional "$cmd_path"',
            "    fi",
            "}",
            "",
        ]
    )


_BASH = """\
# bash completion for flireo.  Load it with
#     source <(flireo completion bash)
# (add that line to ~/.bashrc to keep it).

{tables}
_flireo() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="" cmd_path offer
    ((COMP_CWORD > 1)) && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    cmd_path="$(_flireo_path "${{COMP_WORDS[@]:1:COMP_CWORD-1}}")"
    offer="$(_flireo_offer "$cmd_path" "$prev" "$cur")"
    if [[ $offer == {files} ]]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -W "$offer" -- "$cur")
    fi
}}

complete -o bashdefault -F _flireo flireo
"""

_ZSH = """\
#compdef flireo
# zsh completion for flireo.  Save it as _flireo in a directory of
# $fpath (e.g. flireo completion zsh > ~/.zfunc/_flireo), or load it
# with:  source <(flireo completion zsh)

{tables}
_flireo() {{
    local cur="${{words[CURRENT]}}" prev="${{words[CURRENT-1]}}"
    local cmd_path offer
    cmd_path="$(_flireo_path "${{(@)words[2,CURRENT-1]}}")"
    offer="$(_flireo_offer "$cmd_path" "$prev" "$cur")"
    if [[ $offer == {files} ]]; then
        _files
    else
        compadd -- ${{=offer}}
    fi
}}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _flireo "$@"
else
    compdef _flireo flireo
fi
"""


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    """
    The completion script for *shell*.

    Args:
        shell: ``"bash"`` or ``"zsh"``.
        parser: The ``flireo`` parser.

    Returns:
        The script's text.
    """
    template = _BASH if shell == "bash" else _ZSH
    return template.format(tables=_tables(parser), files=_FILES)
