"""The one normalisation rule: search, matching, imports and the taxonomy compare texts alike."""

from __future__ import annotations

from webapp.core.text import fold, normalise, tidy
from webapp.matching.text import normalise as matching_normalise


def test_normalise_makes_full_width_half_width_and_collapses_spaces_but_keeps_case():
    assert normalise("  ＬＥＤ（驱动）\u00a0 电源\n") == "LED(驱动) 电源"
    assert normalise(None) == ""


def test_fold_is_normalise_in_lower_case_and_is_what_matching_compares():
    text = "  ＬＥＤ（驱动）\u00a0 Li-ION 电池 "
    assert fold(text) == "led(驱动) li-ion 电池"
    assert matching_normalise(text) == fold(text)


def test_tidy_keeps_what_was_typed():
    assert tidy(" ＬＥＤ（驱动）\n\n30℃ ") == "ＬＥＤ（驱动） 30℃"
