"""Vietnamese word segmentation with pyvi's CRF model, without pyvi's dependencies.

pyvi ships its model as a pickled ``sklearn_crfsuite.CRF``: unpickling it imports
scikit-learn and SciPy (1.6 s of a one-shot CLI question on 2 cores, ~200 MB of the install)
for what is a python-crfsuite model inside. The model file itself and pyvi's word list are
shipped in ``assistant/data`` (MIT licence, see NOTICE-pyvi.txt) and run by
``pycrfsuite.Tagger`` directly. Features, syllable splitting and the joining rule are pyvi's
own (pyvi 0.1.1), so the output is the same word for word: tests/test_segmenter.py checks it
against pyvi on the seed corpus.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
MODEL = DATA / "pyvi-tokenizer.crfsuite"
WORDS = DATA / "pyvi-words.txt"


class Segmenter:
    def __init__(self, model: Path = MODEL, word_list: Path = WORDS) -> None:
        import pycrfsuite

        self.bi_grams: set[str] = set()
        self.tri_grams: set[str] = set()
        for token in word_list.read_text(encoding="utf-8").split("\n"):
            n = len(token.split(" "))
            if n == 2:
                self.bi_grams.add(token)
            elif n == 3:
                self.tri_grams.add(token)
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(model))

    def _features(self, sent: list[str], i: int) -> dict:
        word = sent[i]
        f = {
            "bias": 1.0,
            "word.lower()": word.lower(),
            "word.isupper()": word.isupper(),
            "word.istitle()": word.istitle(),
            "word.isdigit()": word.isdigit(),
        }
        if i > 0:
            w1 = sent[i - 1]
            f.update(
                {
                    "-1:word.lower()": w1.lower(),
                    "-1:word.istitle()": w1.istitle(),
                    "-1:word.isupper()": w1.isupper(),
                    "-1:word.bi_gram()": " ".join([w1, word]).lower() in self.bi_grams,
                }
            )
            if i > 1:
                f["-2:word.tri_gram()"] = " ".join([sent[i - 2], w1, word]).lower() in self.tri_grams
        if i < len(sent) - 1:
            w1 = sent[i + 1]
            f.update(
                {
                    "+1:word.lower()": w1.lower(),
                    "+1:word.istitle()": w1.istitle(),
                    "+1:word.isupper()": w1.isupper(),
                    "+1:word.bi_gram()": " ".join([word, w1]).lower() in self.bi_grams,
                }
            )
            if i < len(sent) - 2:
                f["+2:word.tri_gram()"] = " ".join([word, w1, sent[i + 2]]).lower() in self.tri_grams
        return f

    def tokenize(self, text: str) -> str:
        """pyvi's ``ViTokenizer.tokenize``: the syllables of one word joined by "_". Text that is
        not encodable (a lone surrogate, "\\ud800") raises UnicodeEncodeError here, where the
        callers' handlers expect it, instead of a SystemError from inside crfsuite."""
        text.encode("utf-8")
        tmp = _syllables(text)
        if not tmp:
            return text
        labels = self.tagger.tag([self._features(tmp, i) for i in range(len(tmp))])
        out = tmp[0]
        for i in range(1, len(labels)):
            if (
                labels[i] == "I_W"
                and tmp[i] not in string.punctuation
                and tmp[i - 1] not in string.punctuation
                and not tmp[i][0].isdigit()
                and not tmp[i - 1][0].isdigit()
                and not (tmp[i][0].istitle() and not tmp[i - 1][0].istitle())
            ):
                out += "_" + tmp[i]
            else:
                out += " " + tmp[i]
        return out


_SYLLABLE = re.compile(
    "("
    + "|".join(
        [
            r"[A-ZĐ]+\.",
            r"Tp\.",
            r"Mr\.",
            r"Mrs\.",
            r"Ms\.",
            r"Dr\.",
            r"ThS\.",  # abbreviations
            "==>",
            "->",
            r"\.\.\.",
            ">>",
            "\n",  # specials
            r"\w+://[^\s]+",
            r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",  # web, e-mail
            r"\d+([\.,_]\d+)+",
            r"[^\w\s]",
            r"\w+",  # digits, non-word, word
        ]
    )
    + ")",
    re.UNICODE,
)


def _syllables(text: str) -> list[str]:
    return [t[0] for t in _SYLLABLE.findall(unicodedata.normalize("NFC", text))]


@lru_cache(maxsize=1)
def segmenter() -> Segmenter:
    return Segmenter()


def export_from_pyvi(target: Path = DATA) -> None:
    """Write pyvi's model file and word list into ``target`` (reads the pickle with the two
    sklearn_crfsuite classes replaced by stand-ins that keep the model bytes)."""
    import os
    import pickle
    import shutil

    import pyvi

    class _Keep:
        def __setstate__(self, state: dict) -> None:
            self.__dict__.update(state)
            self.data = state.get("__FILE_RESOURCE_DATA__")

    class _Unpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str):
            if module.startswith("sklearn_crfsuite"):
                return _Keep
            return super().find_class(module, name)

    models = os.path.join(os.path.dirname(pyvi.__file__), "models")
    with open(os.path.join(models, "pyvi3.pkl"), "rb") as fh:
        crf = _Unpickler(fh).load()
    (target / MODEL.name).write_bytes(crf.modelfile.data)
    shutil.copy(os.path.join(models, "words.txt"), target / WORDS.name)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--export"]:
        export_from_pyvi()
