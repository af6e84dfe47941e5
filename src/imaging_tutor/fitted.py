"""The fitted models shipped with the package (section ranker, scope guard), read once into one object."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
RANKER_FILE = PACKAGE / "retrieval" / "ranker_model.json"
GUARD_FILE = PACKAGE / "tutor" / "guard_model.json"


def read_model(path: Path) -> dict | None:
    """A model file as a dict, or None when it does not exist (the component then runs unfitted)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


@dataclass(frozen=True)
class FittedModels:
    """Weights of the linear section ranker and the logistic scope guard, as scripts/ wrote them."""

    ranker: dict | None
    guard: dict

    @classmethod
    def packaged(cls) -> "FittedModels":
        guard = read_model(GUARD_FILE)
        if guard is None:
            raise FileNotFoundError(f"{GUARD_FILE} is missing; run `make fit`")
        return cls(ranker=read_model(RANKER_FILE), guard=guard)
