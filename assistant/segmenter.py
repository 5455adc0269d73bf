"""Vietnamese word segmentation: pyvi's CRF model, loaded without scikit-learn.

``from pyvi import ViTokenizer`` unpickles a ``sklearn_crfsuite.CRF``, which imports
scikit-learn and SciPy: 1.6 s of a one-shot CLI question on 2 cores, for a model that is a
python-crfsuite tagger inside. Here the pickle is read with those two classes replaced by
stand-ins that keep the model bytes, and the bytes go straight to ``pycrfsuite.Tagger``
(0.2 s). Features, syllable splitting and the joining rule are pyvi's own (pyvi 0.1.1,
MIT licence), so the output is the same word for word (tests/test_segmenter.py checks it on
the seed corpus against pyvi itself).
"""
from __future__ import annotations

import os
import pickle
import re
import string
import unicodedata
from functools import lru_cache


class _CRFState:
    """Stands in for sklearn_crfsuite.CRF: only its attributes are kept."""

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class _FileState:
    """Stands in for sklearn_crfsuite's FileResource: the pickled model file's bytes."""

    def __setstate__(self, state: dict) -> None:
        self.data = state.get("__FILE_RESOURCE_DATA__")


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module.startswith("sklearn_crfsuite"):
            stand_in = {"CRF": _CRFState, "FileResource": _FileState}.get(name)
            if stand_in is None:
                raise pickle.UnpicklingError(f"pyvi model: unexpected class {module}.{name}")
            return stand_in
        return super().find_class(module, name)


class Segmenter:
    def __init__(self) -> None:
        import pycrfsuite
        import pyvi

        models = os.path.join(os.path.dirname(pyvi.__file__), "models")
        self.bi_grams: set[str] = set()
        self.tri_grams: set[str] = set()
        with open(os.path.join(models, "words.txt"), encoding="utf-8") as fh:
            for token in fh.read().split("\n"):
                n = len(token.split(" "))
                if n == 2:
                    self.bi_grams.add(token)
                elif n == 3:
                    self.tri_grams.add(token)
        with open(os.path.join(models, "pyvi3.pkl"), "rb") as fh:
            crf = _ModelUnpickler(fh).load()
        self._model = crf.modelfile.data  # the tagger reads this buffer in place: keep it alive
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open_inmemory(self._model)

    def _features(self, sent: list[str], i: int) -> dict:
        word = sent[i]
        f = {"bias": 1.0, "word.lower()": word.lower(), "word.isupper()": word.isupper(),
             "word.istitle()": word.istitle(), "word.isdigit()": word.isdigit()}
        if i > 0:
            w1 = sent[i - 1]
            f.update({"-1:word.lower()": w1.lower(), "-1:word.istitle()": w1.istitle(),
                      "-1:word.isupper()": w1.isupper(),
                      "-1:word.bi_gram()": " ".join([w1, word]).lower() in self.bi_grams})
            if i > 1:
                f["-2:word.tri_gram()"] = " ".join([sent[i - 2], w1, word]).lower() in self.tri_grams
        if i < len(sent) - 1:
            w1 = sent[i + 1]
            f.update({"+1:word.lower()": w1.lower(), "+1:word.istitle()": w1.istitle(),
                      "+1:word.isupper()": w1.isupper(),
                      "+1:word.bi_gram()": " ".join([word, w1]).lower() in self.bi_grams})
            if i < len(sent) - 2:
                f["+2:word.tri_gram()"] = " ".join([word, w1, sent[i + 2]]).lower() in self.tri_grams
        return f

    def tokenize(self, text: str) -> str:
        """pyvi's ``ViTokenizer.tokenize``: syllables of one word joined by "_"."""
        tmp = _syllables(text)
        if not tmp:
            return text
        labels = self.tagger.tag([self._features(tmp, i) for i in range(len(tmp))])
        out = tmp[0]
        for i in range(1, len(labels)):
            if (labels[i] == "I_W" and tmp[i] not in string.punctuation and tmp[i - 1] not in string.punctuation
                    and not tmp[i][0].isdigit() and not tmp[i - 1][0].isdigit()
                    and not (tmp[i][0].istitle() and not tmp[i - 1][0].istitle())):
                out += "_" + tmp[i]
            else:
                out += " " + tmp[i]
        return out


_SYLLABLE = re.compile("(" + "|".join([
    r"[A-ZĐ]+\.", r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\.",  # abbreviations
    "==>", "->", r"\.\.\.", ">>", "\n",  # specials
    r"\w+://[^\s]+", r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",  # web, e-mail
    r"\d+([\.,_]\d+)+", r"[^\w\s]", r"\w+",  # digits, non-word, word
]) + ")", re.UNICODE)


def _syllables(text: str) -> list[str]:
    return [t[0] for t in _SYLLABLE.findall(unicodedata.normalize("NFC", text))]


@lru_cache(maxsize=1)
def segmenter() -> Segmenter:
    return Segmenter()
