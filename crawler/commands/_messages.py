"""How the maintainers' commands speak to the maintainer: usage errors and paths as typed
(not a command itself: the name starts with _)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def usage_error(command: str, message: str) -> int:
    print(f"vnnews {command}: {message}", file=sys.stderr)
    return 2


def shown(path: Path | str) -> str:
    """A path as the maintainer would type it: relative to the working folder when inside it."""
    path = Path(path)
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except (OSError, ValueError):
        return str(path)
