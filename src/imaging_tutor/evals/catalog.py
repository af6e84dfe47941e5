"""Where eval question sets live, and resolving a client-given set name to a file inside that folder only."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import InvalidInput, NotFound

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def default_sets_dir() -> Path:
    """evals/sets of the working directory, else of the source checkout this package runs from."""
    here = Path.cwd() / "evals" / "sets"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "evals" / "sets"


def available_sets(sets_dir: Path) -> list[str]:
    """Names of the question sets (file stems), sorted."""
    if not sets_dir.is_dir():
        return []
    return sorted(p.stem for p in sets_dir.glob("*.jsonl") if p.is_file() and _NAME.match(p.stem))


def resolve_set(sets_dir: Path, name: str) -> Path:
    """The file of a named set; a name is never a path, and anything outside the folder is refused."""
    name = name.removesuffix(".jsonl")
    if not _NAME.match(name) or ".." in name:
        raise InvalidInput("set must be the name of a question set in evals/sets (letters, digits, '-', '_', '.')")
    if name not in available_sets(sets_dir):
        raise NotFound(f"unknown eval set {name!r}; available: {', '.join(available_sets(sets_dir)) or 'none'}")
    return sets_dir / f"{name}.jsonl"


def baseline_for(set_path: str | Path) -> Path | None:
    """A set's own baseline: evals/baselines/<set name>.json (evals/ beside the set's folder), when there is one."""
    from .sets import set_name

    p = Path(set_path).resolve()
    for evals_dir in (p.parent.parent, p.parent.parent.parent):
        path = evals_dir / "baselines" / f"{set_name(p)}.json"
        if path.is_file():
            return path
    return None


def default_baseline(sets_dir: Path, name: str) -> Path | None:
    """The baseline of the named set in sets_dir (each set compares with its own)."""
    return baseline_for(sets_dir / f"{name}.jsonl")
