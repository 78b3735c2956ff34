"""Print the runtime dependencies of pyproject.toml pinned to their floors.

The lowest-versions job installs exactly these over a normal install and
runs the suite again, so the ranges the package declares stay true.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def main() -> int:
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    pins = []
    for spec in project["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][^,;\s]*)", spec)
        if match is None:
            print(f"no floor to test in {spec!r}", file=sys.stderr)
            return 1
        pins.append(f"{match[1]}=={match[2]}")
    print(" ".join(pins))
    return 0


if __name__ == "__main__":
    sys.exit(main())
