"""`flireo completion bash|zsh`: tab completion, tried in a real bash."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flireo_async._cli import main


FLIREO = Path(sys.executable).parent / "flireo"
BASH = shutil.which("bash")


def complete(line: str, tmp_path: Path) -> list[str]:
    """What bash offers for the last word of *line* (after `flireo `)."""
    script = subprocess.run(
        [str(FLIREO), "completion", "bash"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    (tmp_path / "flireo.bash").write_text(script)
    words = line.split(" ")
    driver = (
        f"source {tmp_path / 'flireo.bash'}\n"
        f"COMP_WORDS=({' '.join(repr(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_flireo\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    run = subprocess.run(
        [str(BASH), "--norc", "--noprofile", "-c", driver],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd=tmp_path,
    )
    return sorted(filter(None, run.stdout.splitlines()))


pytestmark = pytest.mark.skipif(BASH is None, reason="bash is not installed")


def test_bash_completes_the_subcommands(tmp_path):
    """`flireo <TAB>` offers every subcommand."""
    assert [
        "bulk-order",
        "completion",
        "demo",
        "groups",
        "numbers",
        "orders",
        "sandbox",
    ] == complete("flireo ", tmp_path)


def test_bash_completes_nested_subcommands_after_shared_options(tmp_path):
    """`flireo --sandbox numbers s<TAB>` → `search`."""
    assert ["search"] == complete("flireo --sandbox numbers s", tmp_path)


def test_bash_completes_options_of_the_subcommand(tmp_path):
    """`flireo bulk-order --j<TAB>` → `--journal --json`."""
    assert ["--journal", "--json"] == complete(
        "flireo bulk-order --j", tmp_path
    )


def test_bash_completes_the_choices_of_an_option(tmp_path):
    """`flireo numbers search --type <TAB>` offers the number types."""
    assert ["local", "mobile", "national"] == complete(
        "flireo numbers search --type ", tmp_path
    )


def test_bash_completes_file_names_for_the_csv(tmp_path):
    """`flireo bulk-order <TAB>` offers files."""
    (tmp_path / "numbers.csv").write_text("")

    assert "numbers.csv" in complete("flireo bulk-order num", tmp_path)


def test_an_option_value_is_not_taken_for_a_subcommand(tmp_path):
    """`--api-key numbers` is a key, so the command path is still empty."""
    assert ["numbers"] == complete("flireo --api-key numbers num", tmp_path)


def test_the_zsh_script_is_a_compdef_function(capsys):
    """The zsh script registers `_flireo` and shares the command tables."""
    code = main(["completion", "zsh"])
    script = capsys.readouterr().out

    assert 0 == code
    assert script.startswith("#compdef flireo\n")
    assert "compdef _flireo flireo" in script
    assert '"numbers search|--type") echo "local mobile national"' in script
    assert "_files" in script
