"""Hybrid retrieval (dense + sparse fused by Qdrant RRF in one query) and context assembly."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from assistant.core.models import Hit
from assistant.index.embedding import Embedder
from assistant.index.sparse import query_vector
from assistant.index.store import SearchFilter, VectorStore, payload_to_hit
from assistant.question.query import AnalyzedQuery


@dataclass
class Context:
    """What a hit needs to be understood: its neighbours in the same section."""

    hit: Hit
    before: list[Hit]  # the lead-in paragraph of a list, the previous item
    after: list[Hit]


# Whole documents kept for context and outlines, least recently used dropped first. Bounded by
# chunks, not documents: 50k law chunks hold ~150 MB (measured: 14,270 chunks = 42 MB), and a
# document read from Qdrant Edge again costs ~50-100 ms for a 2,000-chunk law.
DOC_CACHE_CHUNKS = 50_000


class HybridRetriever:
    def __init__(self, store: VectorStore, embedder: Embedder, candidates: int = 50) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self._doc_chunks: OrderedDict[tuple[str, str], list[Hit]] = OrderedDict()
        self._cached_chunks = 0
        self._lock = threading.Lock()

    def retrieve(
        self, query: AnalyzedQuery, k: int = 8, flt: SearchFilter | None = None, identity: str = ""
    ) -> list[Hit]:
        """Hybrid search for the question. ``identity``: the name, number and subject line of the
        document(s) the search is restricted to — the question's words that only say *which*
        document ("Thông tư … về xuất khẩu hàng dệt may …") match its header and preamble best;
        the rest ("… có hiệu lực từ ngày nào?") is searched too and both rankings are fused."""
        folded = query.no_diacritics or query.english
        tokens = None if folded else query.words_of(query.text)  # folded terms need no segmenter
        hits = self._search(query.text, folded, k, flt, tokens)
        rest = residual_text(query.text, identity) if identity else ""
        if rest and rest != query.text:
            rest_tokens = residual_tokens(query.text, tokens, identity) if tokens is not None else None
            hits = fuse_ranks([hits, self._search(rest, folded, k, flt, rest_tokens)], k)
        return hits

    def _search(
        self, text: str, folded: bool, k: int, flt: SearchFilter | None, tokens: tuple[str, ...] | None
    ) -> list[Hit]:
        dense = self.embedder.embed_query(text)
        sparse = query_vector(text, folded=folded, tokens=tokens)
        return self.store.search(dense, sparse, k, flt, candidates=self.candidates)

    def document_chunks(self, doc_id: str, version: str) -> list[Hit]:
        key = (doc_id, version)
        with self._lock:
            if key in self._doc_chunks:
                self._doc_chunks.move_to_end(key)
                return self._doc_chunks[key]
            chunks = [payload_to_hit(p, 0.0) for p in self.store.chunks_of(doc_id)]
            self._doc_chunks[key] = chunks
            self._cached_chunks += len(chunks)
            while self._cached_chunks > DOC_CACHE_CHUNKS and len(self._doc_chunks) > 1:
                _, dropped = self._doc_chunks.popitem(last=False)
                self._cached_chunks -= len(dropped)
            return chunks

    def forget_documents(self) -> None:
        """After the index changed: documents are read again when next needed."""
        with self._lock:
            self._doc_chunks.clear()
            self._cached_chunks = 0

    def context(self, hit: Hit) -> Context:
        """The list's lead-in sentence and adjacent items of the same section."""
        chunks = self.document_chunks(hit.doc_id, hit.version)
        idx = next((i for i, c in enumerate(chunks) if c.chunk_id == hit.chunk_id), None)
        if idx is None:
            return Context(hit, [], [])
        before: list[Hit] = []
        j = idx - 1
        parent = hit.headings
        while j >= 0 and len(before) < 2:
            c = chunks[j]
            if c.headings != parent and c.headings != parent[:-1]:
                break
            before.insert(0, c)
            if not c.text.startswith(("-", "–", "+", "•", "(")):
                break  # reached the paragraph that introduces the list
            j -= 1
        after: list[Hit] = []
        for c in chunks[idx + 1 : idx + 7]:  # the items a lead-in introduces sit in or below its section
            if c.headings[: len(parent)] != parent or (
                len(after) >= 2 and c.headings == parent and not hit.text.rstrip().endswith(":")
            ):
                break
            after.append(c)
        return Context(hit, before, after)


RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al. 2009)


def fuse_ranks(rankings: list[list[Hit]], k: int) -> list[Hit]:
    """Reciprocal-rank fusion of several rankings of the same index; a hit keeps its best dense
    score."""
    score: dict[str, float] = {}
    best: dict[str, Hit] = {}
    for ranking in rankings:
        for r, h in enumerate(ranking):
            score[h.chunk_id] = score.get(h.chunk_id, 0.0) + 1.0 / (RRF_K + r + 1)
            if h.chunk_id not in best or h.score > best[h.chunk_id].score:
                best[h.chunk_id] = h
    order = sorted(score, key=lambda c: (-score[c], -best[c].score, c))
    return [best[c] for c in order[:k]]


def _words_naming(text: str, identity: str) -> list[tuple[re.Match[str], bool]]:
    """Each whitespace-separated word of ``text``, and whether it only names the document: all its
    words are words of ``identity`` (its name, number and subject line)."""
    from assistant.core.textutil import fold, words

    named = {fold(w) for w in words(identity)}
    return [
        (m, bool(words(m.group())) and all(fold(w) in named for w in words(m.group())))
        for m in re.finditer(r"\S+", text)
    ]


def residual_text(text: str, identity: str) -> str:
    """The question without the words that only name its document (those of ``identity``):
    "Thông tư … về xuất khẩu hàng dệt may có hiệu lực từ ngày nào?" -> "có hiệu lực từ ngày nào?"."""
    return " ".join(m.group() for m, naming in _words_naming(text, identity) if not naming)


def residual_tokens(text: str, tokens: tuple[str, ...], identity: str) -> tuple[str, ...]:
    """``tokens`` (the question stage's segmented words of ``text``) without those in the words
    residual_text drops: each syllable is placed in the text and goes when its word does; a
    compound keeps the syllables that stay ("trường_học" with "học?" dropped leaves "trường")."""
    dropped = [(m.start(), m.end()) for m, naming in _words_naming(text, identity) if naming]
    low, at = text.lower(), 0
    out: list[str] = []
    for t in tokens:
        syllables = t.split("_")
        kept = []
        for x in syllables:
            i = low.find(x, at)
            if i >= 0:
                at = i + len(x)
            if i < 0 or not any(a <= i < z for a, z in dropped):
                kept.append(x)
        if len(kept) == len(syllables):
            out.append(t)
        else:
            out.extend(kept)
    return tuple(out)


class DocumentOutlines(Mapping[str, list[Hit]]):
    """The chunks of the top documents, in document order, read from the index only when the
    answer needs them (a section list, the article a statement is checked against, a signature):
    most questions never do, and a 2,000-chunk law costs 100-300 ms to read cold at 100k chunks."""

    def __init__(self, retriever: HybridRetriever, hits: list[Hit]) -> None:
        self._retriever = retriever
        self._versions: dict[str, str] = {}
        for h in hits:
            self._versions.setdefault(h.doc_id, h.version)

    def __getitem__(self, doc_id: str) -> list[Hit]:
        return self._retriever.document_chunks(doc_id, self._versions[doc_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self._versions)

    def __len__(self) -> int:
        return len(self._versions)


class HitContexts(Sequence[Context]):
    """The context of each top hit, assembled when first asked for (see DocumentOutlines)."""

    def __init__(self, retriever: HybridRetriever, hits: list[Hit]) -> None:
        self._retriever = retriever
        self._hits = hits
        self._made: dict[int, Context] = {}

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i not in self._made:
            self._made[i] = self._retriever.context(self._hits[i])
        return self._made[i]

    def __len__(self) -> int:
        return len(self._hits)
