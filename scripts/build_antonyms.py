"""Write tutor/antonyms.txt: English antonym pairs from Princeton WordNet 3.0 (the verifier's opposites by meaning).

Reads the WordNet database files of Debian's `wordnet-base` package (/usr/share/wordnet, or the folder given) and
keeps WordNet's direct antonyms of every part of speech between one-word lemmas ("clear" / "cloudy", "same" /
"different"). Adding the indirect ones (an adjective's satellites against its head's antonym: 19,942 pairs instead
of 3,237) changed no verdict on any labelled claim file, so they are left out. The output is data, committed with
WordNet's licence notice; nothing reads WordNet at run time, and neither `make test` nor `make run` needs the
package (to rebuild: `apt-get install wordnet-base`, or `apt-get download wordnet-base` and `dpkg-deb -x` it).
Usage: .venv/bin/python scripts/build_antonyms.py [WORDNET_DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "imaging_tutor" / "tutor" / "antonyms.txt"
POS = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
NOTICE = """# English antonym pairs, one pair per line, from WordNet 3.0 (scripts/build_antonyms.py).
# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. THIS SOFTWARE AND DATABASE IS PROVIDED
# "AS IS" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. The name of
# Princeton University or WordNet may not be used in advertising or publicity pertaining to distribution of the
# software and/or database. Licence: https://wordnet.princeton.edu/license-and-commercial-use
"""


def read(folder: Path) -> dict[tuple[str, int], tuple[list[str], list[tuple[str, str, int, int, int]]]]:
    """(pos file, offset) -> (words, pointers (symbol, pos file, offset, source word, target word))."""
    synsets = {}
    for name in ("noun", "verb", "adj", "adv"):
        for line in (folder / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue  # the licence header
            parts = line.split()
            offset, n_words = int(parts[0]), int(parts[3], 16)
            words = [parts[4 + 2 * i].lower().split("(")[0] for i in range(n_words)]
            at = 4 + 2 * n_words
            n_ptrs = int(parts[at])
            ptrs = []
            for k in range(n_ptrs):
                sym, off, pos, st = parts[at + 1 + 4 * k: at + 5 + 4 * k]
                ptrs.append((sym, POS[pos], int(off), int(st[:2], 16), int(st[2:], 16)))
            synsets[(name, offset)] = (words, ptrs)
    return synsets


def pairs(synsets) -> set[tuple[str, str]]:
    """Direct antonyms ("!" pointers) between one-word lemmas, each pair sorted; word 0 means the whole synset."""
    out: set[tuple[str, str]] = set()

    def add(a: str, b: str) -> None:
        if a != b and a.isalpha() and b.isalpha():
            out.add(tuple(sorted((a, b))))

    for words, ptrs in synsets.values():
        for sym, pos, off, src, tgt in ptrs:
            if sym != "!" or (pos, off) not in synsets:
                continue
            targets = synsets[(pos, off)][0]
            sources = words if src == 0 else [words[src - 1]]
            for a in sources:
                for b in (targets if tgt == 0 else [targets[tgt - 1]]):
                    add(a, b)
    return out


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/usr/share/wordnet")
    found = pairs(read(folder))
    OUT.write_text(NOTICE + "".join(f"{a} {b}\n" for a, b in sorted(found)), encoding="utf-8")
    print(f"wrote {len(found)} pairs to {OUT}")


if __name__ == "__main__":
    main()
