"""Our word segmenter runs pyvi's model without scikit-learn: it must segment exactly as pyvi."""

import pytest
from conftest import CORPUS, LAWS

from assistant.core.segmenter import segmenter

pyvi = pytest.importorskip("pyvi.ViTokenizer", reason="pip install pyvi (the test extra) to compare")


def test_same_words_as_pyvi_on_the_seeds():
    ours = segmenter()
    paragraphs = [p for f in sorted(CORPUS.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n")]
    paragraphs += [
        "Trường THCS phải báo cáo gì sau năm học 2024-2025?",
        "truong thcs bao cao gi",
        "Tp. Hồ Chí Minh...",
        "email: so@gddt.vn, https://moet.gov.vn",
        "ỦY BAN NHÂN DÂN TỈNH AN GIANG",
        "",
    ]
    assert len(paragraphs) > 500
    for p in paragraphs:
        assert ours.tokenize(p) == pyvi.ViTokenizer.tokenize(p), p


@pytest.mark.skipif(not LAWS.exists(), reason="../shared/corpus-extra/vn-laws not present")
def test_same_words_as_pyvi_on_some_laws():
    ours = segmenter()
    for f in sorted(LAWS.iterdir())[:10]:
        for p in f.read_text(encoding="utf-8", errors="replace").split("\n")[:300]:
            assert ours.tokenize(p) == pyvi.ViTokenizer.tokenize(p), p
