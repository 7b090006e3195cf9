"""BM25 retrieval over the world's Wikipedia passages: the passage a RAG question comes with."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmark.produce.world import Passage

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class Retriever:
    """BM25 (``bm25s``) over the sentences of ``passages``.

    >>> from benchmark.produce.world import World
    >>> from benchmark.produce.world.wikipedia import passages
    >>> r = Retriever(passages(World.generate("micro")))
    >>> len(r.search(["Where was Ada born?"], k=2)[0])
    2
    """

    def __init__(self, passages: Sequence[Passage]) -> None:
        import bm25s

        self.ids: list[str] = []
        self.texts: list[str] = []
        for passage in passages:
            for n, sentence in enumerate(s for s in _SENTENCE.split(passage.text) if s.strip()):
                self.ids.append(f"{passage.id}#{n}")
                self.texts.append(sentence.strip())
        self._titles = {p.id: p.title for p in passages}
        self._chunks_of: dict[str, list[int]] = {}
        for j, chunk_id in enumerate(self.ids):
            self._chunks_of.setdefault(chunk_id.rpartition("#")[0], []).append(j)
        self._bm25 = bm25s.BM25()
        self._bm25.index(bm25s.tokenize(self.texts, stopwords="en", show_progress=False), show_progress=False)

    def passage_of(self, index: int) -> str:
        """The passage id of chunk ``index``."""
        return self.ids[index].rpartition("#")[0]

    def scores(self, query: str) -> Any:
        """BM25 scores of every chunk for ``query`` (a numpy array)."""
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]
        return self._bm25.get_scores(tokens)

    def linked_chunks(self, chunks: Sequence[int]) -> list[int]:
        """Chunks of the other articles whose titles appear in ``chunks`` (the links a reader follows)."""
        own = {self.passage_of(j) for j in chunks}
        text = " ".join(self.texts[j] for j in chunks)
        linked = [pid for pid, title in self._titles.items() if pid not in own and title in text]
        return [j for pid in linked for j in self._chunks_of[pid]]

    def search(self, queries: Sequence[str], k: int) -> list[list[int]]:
        """Chunk indices of the top ``k`` chunks for each query, best first."""
        import bm25s

        if not queries:
            return []
        tokens = bm25s.tokenize(list(queries), stopwords="en", show_progress=False)
        docs, _ = self._bm25.retrieve(tokens, k=min(k, len(self.texts)), show_progress=False)
        return [[int(i) for i in row] for row in docs]

