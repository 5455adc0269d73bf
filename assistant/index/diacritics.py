"""Diacritics restoration for questions typed without accents ("chi thi 04 cua ubnd tinh an
giang co hieu luc khi nao" -> "chỉ thị 04 của ubnd tỉnh an giang có hiệu lực khi nào").

The model is learned from the index's own text: counts of lower-cased syllable trigrams of every
chunk (``count_ngrams``; bigrams and unigrams follow from them, ``expand``), kept per document
beside the term statistics (terms.py, table ``trigrams``), so a new document teaches it its names and phrases and a removed
one takes its counts with it. A small general prior (``data/diacritics_prior.tsv.gz``, counted
from the laws of the project's shared corpus by tools/build_diacritics_prior.py) adds the words
questions use that documents rarely do ("gì", "ở đâu").

Decoding (``Restorer.restore``): every syllable typed without accents gets as candidates the
accented forms whose folding it is; a Viterbi search over a stupid-backoff trigram model picks the
most likely sequence. Numbers, symbols, upper-case abbreviations ("UBND", "GDDT") and words the
model has never seen stay as typed; casing is kept letter by letter.

Pure: no index or ingest import; the service builds a ``Restorer`` and hands it to query.analyze.
"""
from __future__ import annotations

import gzip
import math
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

from assistant.core.textutil import fold

PRIOR_PATH = Path(__file__).resolve().parent.parent / "data" / "diacritics_prior.tsv.gz"
START = "<s>"
NUMBER = "<n>"
# tokens: words and numbers; punctuation and line breaks end an n-gram run
_PIECE = re.compile(r"[^\W\d_]+|\d+(?:[.,/]\d+)*|[^\w\s]|\n", re.UNICODE)
_SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)
BACKOFF = 0.4  # stupid backoff (Brants et al. 2007)
PRIOR_WEIGHT = 0.3  # a prior count is worth this many counts of the index's own text
BEAM = 24
# a restoration is used (the question analysed as Vietnamese with accents) when at least this
# share of its words are syllables the model knows and the mean local certainty is this high
MIN_KNOWN = 0.75
MIN_CERTAINTY = 0.6


def _runs(text: str) -> Iterable[list[str]]:
    """Runs of lower-cased syllables (numbers as ``<n>``) between punctuation marks and line breaks."""
    run: list[str] = []
    for m in _PIECE.finditer(unicodedata.normalize("NFC", text)):
        tok = m.group()
        if tok[0].isalpha():
            run.append(tok.lower())
        elif tok[0].isdigit():
            run.append(NUMBER)
        else:
            if run:
                yield run
            run = []
    if run:
        yield run


def count_ngrams(texts: Iterable[str]) -> Counter[str]:
    """Syllable trigram counts (keys joined by spaces), each run padded with two ``<s>``: every
    syllable ends exactly one trigram, so the bigram and unigram counts follow from them
    (``expand``). What is stored per document: one count per syllable keeps the ingest fast."""
    counts: Counter[str] = Counter()
    for t in texts:
        for run in _runs(t):
            seq = [START, START, *run]
            counts.update(map(" ".join, zip(seq, seq[1:], seq[2:])))
    return counts


def expand(trigrams: Mapping[str, int]) -> dict[str, int]:
    """Trigram, bigram and unigram counts from padded trigram counts (``count_ngrams``);
    ``<s> <s>`` and ``<s>`` count the runs."""
    out: dict[str, int] = dict(trigrams)
    get = out.get
    for key, n in trigrams.items():
        a, b, c = key.split(" ")
        big = b + " " + c
        out[big] = get(big, 0) + n
        out[c] = get(c, 0) + n
        if a == START and b == START:
            out[START + " " + START] = get(START + " " + START, 0) + n
            out[START] = get(START, 0) + n
    return out


def pack(counts: Mapping[str, int]) -> bytes:
    """One document's counts as a compressed blob (what terms.TermIndex stores)."""
    return zlib.compress("\n".join(map("{0[0]}\t{0[1]}".format, counts.items())).encode("utf-8"), 1)


def unpack_into(blob: bytes, into: dict[str, int]) -> None:
    if not blob:
        return
    get = into.get
    for line in zlib.decompress(blob).decode("utf-8").split("\n"):
        k, _, v = line.rpartition("\t")
        if k:
            into[k] = get(k, 0) + int(v)


@lru_cache(maxsize=1)
def load_prior(path: Path = PRIOR_PATH) -> dict[str, int]:
    """The bundled general prior (empty when the file is missing)."""
    if not path.exists():
        return {}
    out: dict[str, int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            k, _, v = line.rstrip("\n").rpartition("\t")
            if k:
                out[k] = int(v)
    return out


@dataclass
class Restoration:
    text: str  # the question with its diacritics restored (as typed where nothing was changed)
    changed: bool
    known: float  # share of its words the model knows
    certainty: float  # mean local certainty of the chosen forms (0–1)
    doubtful: list[str] = field(default_factory=list)  # restored words with another likely form

    @property
    def confident(self) -> bool:
        return self.known >= MIN_KNOWN and self.certainty >= MIN_CERTAINTY


NAME_WORDS = 6


def name_casing(names: Iterable[str]) -> dict[str, str]:
    """Lower-cased runs of 2–6 words of the given names (issuers, provinces, places of the indexed
    documents) that start with a capital -> as written ("bình sơn" -> "Bình Sơn")."""
    out: dict[str, str] = {}
    for name in names:
        for part in re.split(r"[^\w ]+", unicodedata.normalize("NFC", name)):
            words = part.split()
            if sum(w[:1].isupper() for w in words) == len(words) and len(words) > 1 and part.isupper():
                continue  # a header in capitals says nothing of how the name is written
            for i, w in enumerate(words):
                if not w[:1].isupper():
                    continue
                for n in range(2, min(NAME_WORDS, len(words) - i) + 1):
                    seq = words[i:i + n]
                    if i + n < len(words) and words[i + n][:1].isupper():
                        continue  # never cut a name short ("… tỉnh An" of "… tỉnh An Giang")
                    out.setdefault(" ".join(seq).lower(), " ".join(seq))
    return out


def _with_case(typed: str, form: str) -> str:
    if len(form) != len(typed):
        return form
    return "".join(f.upper() if t.isupper() else f for t, f in zip(typed, form))


class Restorer:
    """A trigram model over the index's text and the prior, and its Viterbi decoder."""

    def __init__(self, counts: Mapping[str, int], prior: Mapping[str, int] | None = None,
                 prior_weight: float = PRIOR_WEIGHT, names: Iterable[str] = ()) -> None:
        self.counts = counts
        self.names = name_casing(names)
        self.prior = prior or {}
        self.w = prior_weight
        self.total = self._unigram_total(counts) + prior_weight * self._unigram_total(self.prior)
        self.candidates: dict[str, list[str]] = {}
        for source in (counts, self.prior):
            for k in source:
                if " " not in k and k[0] != "<":
                    forms = self.candidates.setdefault(fold(k), [])
                    if k not in forms:
                        forms.append(k)
        # one table of the counts the decoder reads: the index's plus the weighted prior's
        table: dict[str, float] = {k: prior_weight * v for k, v in self.prior.items()}
        get = table.get
        for k, v in counts.items():
            table[k] = get(k, 0.0) + v
        self._table = table
        self._cache: dict[str, float] = {}

    @staticmethod
    def _unigram_total(counts: Mapping[str, int]) -> float:
        return float(sum(v for k, v in counts.items() if " " not in k and k != START)) or 1.0

    @classmethod
    def from_texts(cls, texts: Iterable[str], prior: bool = True) -> "Restorer":
        return cls(expand(count_ngrams(texts)), load_prior() if prior else None)

    def c(self, key: str) -> float:
        return self._table.get(key, 0.0)

    def logp(self, a: str, b: str, w: str) -> float:
        """log S(w | a b) under stupid backoff (a run's first word: a = b = ``<s>``)."""
        key = a + " " + b + " " + w
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        get = self._table.get
        c3 = get(key, 0.0)
        if c3 > 0:
            s = c3 / max(get(a + " " + b, 0.0), c3)
        else:
            c2 = get(b + " " + w, 0.0)
            if c2 > 0:
                s = BACKOFF * c2 / max(get(b, 0.0), c2)
            else:
                s = BACKOFF * BACKOFF * (get(w, 0.0) + 0.1) / self.total
        v = math.log(s)
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = v
        return v

    def _options(self, tok: str) -> tuple[list[str], bool]:
        """The forms a typed token may stand for, and whether it is a word the model restores."""
        if tok[0].isdigit():
            return [NUMBER], False
        low = tok.lower()
        if len(tok) == 1 and tok.isupper():
            return [low], False  # a letter ("C/O", "mẫu B"): as typed
        if len(tok) >= 2 and tok.isupper():
            # an abbreviation stays as typed ("UBND", "THCS"), but for the Đ its documents write
            # ("QD-UBND" -> "QĐ-UBND") when that is how the index nearly always spells it
            forms = self.candidates.get(low) if "d" in low else None
            if forms and len(forms) > 1 or (forms and forms[0] != low):
                counts = {f: self.c(f) for f in forms}
                best = max(counts, key=lambda f: counts[f])
                if counts[best] >= 0.9 * sum(counts.values()):
                    return [best], False
            return [low], False
        if fold(low) != low:
            return [low], False  # typed with its accents
        forms = self.candidates.get(low)
        if not forms:
            return [low], False
        return forms, True

    def restore(self, text: str) -> Restoration:
        text = unicodedata.normalize("NFC", text)
        pieces = list(_PIECE.finditer(text))
        out = list(text)
        spans: list[tuple[int, int]] = []
        words = restorable = 0
        doubtful: list[str] = []
        certainties: list[float] = []
        run: list[re.Match[str]] = []

        def decode(run: list[re.Match[str]]) -> None:
            nonlocal restorable
            opts = [self._options(m.group()) for m in run]
            # known: words the model restores, and abbreviations or letters its text contains
            restorable += sum(1 for m, (forms, r) in zip(run, opts)
                              if m.group()[0].isalpha() and (r or self.c(forms[0]) > 0))
            best = self._viterbi([o for o, _ in opts])
            for i, (m, form) in enumerate(zip(run, best)):
                forms, r = opts[i]
                if form == NUMBER:
                    continue
                if not r:
                    pass  # as typed, or an abbreviation's Đ
                elif len(forms) > 1:
                    cert = self._certainty(best, i, forms)
                    certainties.append(cert)
                    if cert < MIN_CERTAINTY:
                        doubtful.append(form)
                else:
                    certainties.append(1.0)
                if form != m.group().lower():
                    spans.append((m.start(), m.end()))
                    out[m.start():m.end()] = list(_with_case(m.group(), form))

        for m in pieces:
            tok = m.group()
            if tok[0].isalpha():
                words += 1
                run.append(m)
            elif tok[0].isdigit():
                run.append(m)
            else:
                if run:
                    decode(run)
                run = []
        if run:
            decode(run)
        restored = self._recase("".join(out))
        known = restorable / words if words else 0.0
        certainty = sum(certainties) / len(certainties) if certainties else 0.0
        return Restoration(restored, restored != text, known, certainty, doubtful)

    def _recase(self, text: str) -> str:
        """Names as the index's documents write them ("phòng giáo dục bình sơn" -> "Phòng Giáo dục
        Bình Sơn"): the longest run of two or more words matching a name, where it was typed in
        lower case (a question's reading of a name can depend on its capitals)."""
        if not self.names:
            return text
        toks = list(_SYLLABLE.finditer(text))
        out = list(text)
        i = 0
        while i < len(toks):
            for n in range(min(NAME_WORDS, len(toks) - i), 1, -1):
                seq = toks[i:i + n]
                if any(not m.group().islower() for m in seq) or any(
                        text[a.end():b.start()] != " " for a, b in zip(seq, seq[1:])):
                    continue
                cased = self.names.get(" ".join(m.group() for m in seq))
                if cased:
                    for m, w in zip(seq, cased.split(" ")):
                        out[m.start():m.end()] = list(w)
                    i += n
                    break
            else:
                i += 1
        return "".join(out)

    def _viterbi(self, options: list[list[str]]) -> list[str]:
        # state (previous form, current form) -> (score, back-pointer chain of the forms so far)
        states: dict[tuple[str, str], tuple[float, tuple | None]] = {(START, START): (0.0, None)}
        for forms in options:
            nxt: dict[tuple[str, str], tuple[float, tuple | None]] = {}
            for (a, b), (score, chain) in states.items():
                for w in forms:
                    s = score + self.logp(a, b, w)
                    key = (b, w)
                    old = nxt.get(key)
                    if old is None or s > old[0]:
                        nxt[key] = (s, (w, chain))
            if len(nxt) > BEAM:
                nxt = dict(sorted(nxt.items(), key=lambda kv: -kv[1][0])[:BEAM])
            states = nxt
        chain = max(states.values(), key=lambda v: v[0])[1]
        out: list[str] = []
        while chain is not None:
            out.append(chain[0])
            chain = chain[1]
        return out[::-1]

    def _local(self, seq: list[str], i: int) -> float:
        """The log score of the trigrams that involve position i."""
        padded = [START, START, *seq]
        total = 0.0
        for j in range(i, min(i + 3, len(seq))):
            a, b, w = padded[j], padded[j + 1], padded[j + 2]
            total += self.logp(a, b, w)
        return total

    def _certainty(self, best: list[str], i: int, forms: list[str]) -> float:
        """How much more likely the chosen form is than the others, the rest fixed (softmax)."""
        scores = []
        for f in forms:
            seq = best[:i] + [f] + best[i + 1:]
            scores.append(self._local(seq, i))
        top = max(scores)
        z = sum(math.exp(s - top) for s in scores)
        return math.exp(self._local(best, i) - top) / z
