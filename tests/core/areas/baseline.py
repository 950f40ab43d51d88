"""The obvious baseline area suggestions are measured against, here and in bench/suggest.py.

TF-IDF as sklearn's TfidfVectorizer(sublinear_tf=True) weighs it (lower case, words of two or
more word characters, smooth idf, rows scaled to length 1), each area's centroid, the area
whose centroid has the highest cosine first (ties by area)."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict


class Baseline:
    TOKEN = re.compile(r"(?u)\b\w\w+\b")

    def __init__(self, texts: list[str], areas: list[str]):
        counts = [Counter(self.TOKEN.findall(text.lower())) for text in texts]
        df = Counter(word for count in counts for word in count)
        self.idf = {word: math.log((1 + len(texts)) / (1 + n)) + 1 for word, n in df.items()}
        self.centroids: dict[str, Counter[str]] = defaultdict(Counter)
        for count, area in zip(counts, areas, strict=True):  # one area per text
            self.centroids[area].update(self.vector(count))
        self.norms = {area: math.sqrt(sum(x * x for x in c.values())) or 1.0 for area, c in self.centroids.items()}

    def vector(self, count: Counter[str]) -> dict[str, float]:
        weights = {w: (1 + math.log(n)) * self.idf[w] for w, n in count.items() if w in self.idf}
        norm = math.sqrt(sum(x * x for x in weights.values())) or 1.0
        return {w: x / norm for w, x in weights.items()}

    def rank(self, text: str) -> list[str]:
        query = self.vector(Counter(self.TOKEN.findall(text.lower())))
        scores = {area: sum(x * c.get(w, 0.0) for w, x in query.items()) / self.norms[area] for area, c in self.centroids.items()}
        return sorted(scores, key=lambda area: (-scores[area], area))
