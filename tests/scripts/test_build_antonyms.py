"""scripts/build_antonyms.py reads WordNet's database format (a few hand-written lines in that format stand in for
Debian's wordnet-base, which the suite does not install), and the committed tutor/antonyms.txt has its shape and
licence notice."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from build_antonyms import OUT, pairs, read  # noqa: E402

# data.adj: "clear" (word 1 of its synset) points at "cloudy" (word 1 of 00002) with "!" 0101; the satellite
# "overcast" is only "similar to" (&) it. data.verb: a synset-wide antonym (0000) between "rise"/"go_up" and "fall".
ADJ = """  1 This software and database is being provided to you, the LICENSEE, by Princeton University
00000001 00 a 01 clear 0 002 ! 00000002 a 0101 & 00000003 s 0000 | free from clouds
00000002 00 a 02 cloudy 0 nebulous 0 001 ! 00000001 a 0101 | full of clouds
00000003 00 s 01 overcast 0 001 & 00000002 a 0000 | covered with clouds
"""
VERB = """00000001 38 v 02 rise 0 go_up 0 001 ! 00000002 v 0000 | move upward
00000002 38 v 01 fall 0 001 ! 00000001 v 0000 | move downward
"""


def test_direct_antonyms_word_by_word_and_synset_wide(tmp_path):
    (tmp_path / "data.adj").write_text(ADJ, encoding="latin-1")
    (tmp_path / "data.verb").write_text(VERB, encoding="latin-1")
    for name in ("noun", "adv"):
        (tmp_path / f"data.{name}").write_text("", encoding="latin-1")
    found = pairs(read(tmp_path))
    # word 1 to word 1 only ("nebulous" is not named); a synset-wide pointer pairs every one-word lemma
    assert found == {("clear", "cloudy"), ("fall", "rise")}


def test_the_committed_table_carries_the_licence_and_pairs():
    text = OUT.read_text(encoding="utf-8")
    assert "Princeton University" in text.splitlines()[1]
    rows = [line.split() for line in text.splitlines() if not line.startswith("#")]
    assert len(rows) > 3000 and all(len(r) == 2 and r[0] < r[1] for r in rows)
    assert ["clear", "cloudy"] in rows and ["different", "same"] in rows
