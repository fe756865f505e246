"""Fuzzy lookup and completion over the search index stored in a snapshot.

Candidates come from the index, never from a scan of every name:

1. the exact normalised name (binary search in the sorted keys) and the word-order-free key
   (``"syndrome, Marfan"``);
2. names that start with the query (whole words), best completion rank first;
3. names sharing the query's words: each word's posting list, a misspelt word standing for the
   closest word of the vocabulary (found through the vocabulary's own trigram index); lists
   are read rarest first within a budget, the candidates found are then checked against the
   more frequent lists by binary search, keeping a beam of the best (weighted Dice, IDF weights);
4. only when that finds nothing good: names sharing the query's character trigrams, the same
   way (this catches run-together or split words).

Only the short list (a few dozen names) is scored with rapidfuzz (:func:`similarity`).

Ranking: names (exact preferred label > exact synonym > exact abbreviation) > prefix > grouped
(a term a grouping code gathers, e.g. a KSH97-P aggregate's, matched exactly) > fuzzy.
Among names a name in the order typed beats the same words reordered; within a tier by score;
on an equal match diagnoses before ICD-11 extension codes and Alpha-ID index entries; then the
tier, closeness of the surface text (so "Strålcystit" typed with å wins over a name that
differs only in å/a), preferred before synonym, active before inactive, completion rank (short
names first), code order. One hit per concept: its best name wins and is reported.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import NamedTuple

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz, process

from ..errors import SnapshotError
from ..indexes.search_index import ABBREVIATION, GROUPED, PREFERRED, text_hash
from ..indexes.textnorm import gram_keys, normalise, permutation_key
from ..snapshot.columns import StringColumn, dictionary_view, list_view, numpy_view

__all__ = ["ConceptRows", "Hit", "SearchIndex", "TIERS", "similarity"]

TIERS = ("exact", "synonym", "abbreviation", "prefix", "grouped", "fuzzy")
_EXACT, _SYNONYM, _ABBREVIATION, _PREFIX, _GROUPED, _FUZZY = range(6)
# a grouped term (a diagnosis a grouping code gathers) matched exactly ranks after every name
# starting with the query: the code it sits on may not be the diagnosis' own
_KIND_TIER = {PREFERRED: _EXACT, ABBREVIATION: _ABBREVIATION, GROUPED: _GROUPED}

MAX_QUERY = 512  # characters of a query that are looked at (the longest ICD-10-SE titles run to ~300)
GRAM_BUDGET = 4_000  # postings entries read per query for trigram candidates
MIN_GRAMS = 8  # ... but never fewer trigrams than this (a name with ≤ 2 typos keeps one of 7)
WORD_BUDGET = 4_000  # postings entries read per query for word candidates
FUZZY_POOL = 32  # candidates of each kind (trigram, word) scored with rapidfuzz
VERIFY_POOL = 4096  # candidates checked against the posting lists not read ...
VERIFY_LISTS = 16  # ... up to this many of them
WORDS_ENOUGH = 90.0  # a word candidate scoring this high makes trigram candidates unnecessary
SIMILAR_POOL = 24  # vocabulary words scored against a misspelt word ...
SIMILAR_MAX = 1  # ... of which the closest stands for it (alternatives would count twice)
SIMILAR_MIN = 70.0  # ... when at least this similar
FUZZY_CUTOFF = 30.0
SHORT_QUERY = 4  # a query of one or two words this short is an abbreviation or a short word, never a fragment:
SHORT_CUTOFF = 80.0  # ... its fuzzy matches need a word spelt this much like it ("SMA" is not "Smärta")
COVERAGE_FLOOR = 0.6  # score factor of a name holding none of the query's words (1.0: all of them)
SPELT_ALIKE = 80.0  # a word of a name this similar to a word of the query counts as holding it
PREFIX_BUDGET = 8_000  # postings entries read for the completions of the rarest word typed
_SMALL_RANGE = 4096  # a key range up to this size is sorted directly


class Hit(NamedTuple):
    """One ranked result: the concept's row in the snapshot and the name that matched."""

    concept: int
    term: int
    text: str
    lang: str
    match: str  # one of TIERS
    score: float


class _Filter(NamedTuple):
    systems: np.ndarray | None  # bool per system dictionary index
    langs: np.ndarray | None  # bool per lang dictionary index
    include_inactive: bool


class ConceptRows:
    """Code, label, system, status and replacements of concept rows, read from the snapshot's
    tables one row at a time (no column is converted as a whole)."""

    def __init__(self, tables: Mapping[str, pa.Table]) -> None:
        c = tables["concepts"]
        self._code, self._label = StringColumn(c.column("code")), StringColumn(c.column("label"))
        self._system, self._systems = dictionary_view(c.column("system"))
        self._status, self._statuses = dictionary_view(c.column("status"))
        self._labels = (numpy_view(c.column("labels_start")), numpy_view(c.column("labels_stop")),
                        StringColumn(tables["labels"].column("lang")), StringColumn(tables["labels"].column("text")))
        self._repl = (numpy_view(c.column("replacements_start")), numpy_view(c.column("replacements_stop")),
                      StringColumn(tables["replacements"].column("target")))

    def fields(self, i: int, lang: str | None = None) -> tuple[str, str, str, str, tuple[str, ...]]:
        """(code, label, system, status, replacement targets) of concept row ``i``; the label in
        ``lang`` when the concept has one."""
        label = self._label.text(i)
        if lang:
            start, stop, langs, texts = self._labels
            for j in range(int(start[i]), int(stop[i])):
                if langs.text(j) == lang:
                    label = texts.text(j)
        start, stop, targets = self._repl
        first, last = int(start[i]), int(stop[i])
        return (self._code.text(i), label, self._systems[self._system[i]], self._statuses[self._status[i]],
                tuple(targets.texts(range(first, last))) if last > first else ())


class SearchIndex:
    """The ``search_*`` tables of a snapshot, answered as lookups and completions.

    Opening is cheap: numpy views and memoryviews over the memory-mapped Arrow buffers; only
    the bit-packed ``active`` column is unpacked. Safe to share between threads (no state is
    written after opening).
    """

    def __init__(self, tables: Mapping[str, pa.Table]) -> None:
        try:
            self._open(tables)
        except (KeyError, ValueError, TypeError, pa.ArrowException) as err:
            raise SnapshotError(f"the snapshot's search index is missing or from another raremap version ({err}); "
                                "rebuild the snapshot") from None

    def _open(self, tables: Mapping[str, pa.Table]) -> None:
        terms = tables["search_terms"]
        self.size = terms.num_rows
        self._norms = StringColumn(terms.column("norm"), numpy_view(terms.column("head")))
        self._texts = StringColumn(terms.column("text"))
        self._concept = numpy_view(terms.column("concept"))
        self._kind = numpy_view(terms.column("kind"))
        self._active = numpy_view(terms.column("active"))
        self._ngrams = numpy_view(terms.column("ngrams"))
        self._nwords = numpy_view(terms.column("nwords"))
        self._rank = numpy_view(terms.column("rank"))
        self._demoted = numpy_view(terms.column("demoted"))
        self._lang, self._lang_names = dictionary_view(terms.column("lang"))
        self._system, self._system_names = dictionary_view(terms.column("system"))
        grams = tables["search_grams"]
        self._gram_keys = numpy_view(grams.column("key"))
        self._gram_off, self._gram_rows = list_view(grams.column("terms"))
        tokens = tables["search_tokens"]
        self._tokens = StringColumn(tokens.column("token"), numpy_view(tokens.column("head")))
        self._tok_off, self._tok_rows = list_view(tokens.column("terms"))
        self._tok_hash = numpy_view(tokens.column("hash"))
        self._tok_hash_row = numpy_view(tokens.column("hash_row"))
        self._tok_ngrams = numpy_view(tokens.column("ngrams"))
        token_grams = tables["search_token_grams"]
        self._tg_keys = numpy_view(token_grams.column("key"))
        self._tg_off, self._tg_rows = list_view(token_grams.column("terms"))
        perm = tables["search_perm"]
        self._perm_keys = numpy_view(perm.column("key"))
        self._perm_rows = numpy_view(perm.column("term"))
        # the code a borrowed name comes from (older snapshots have no such column)
        self._source, self._source_names = (dictionary_view(terms.column("source")) if "source" in terms.column_names
                                            else (None, [""]))
        prefix = tables["search_prefix"]
        self._prefixes = StringColumn(prefix.column("prefix"))
        self._pre_off, self._pre_rows = list_view(prefix.column("terms"))

    # --- public ---------------------------------------------------------------------------

    def source(self, term: int) -> str:
        """The code the name in row ``term`` is borrowed from (``ICD10SE:E75.2A``), "" for a
        concept's own name."""
        return (self._source_names[self._source[term]] or "") if self._source is not None else ""

    def filter(self, systems: Collection[str] | None = None, langs: Collection[str] | None = None,
               include_inactive: bool = False) -> _Filter:
        """A filter for :meth:`lookup` / :meth:`complete` (system values as stored, e.g. "ORPHA")."""
        return _Filter(_allowed(self._system_names, systems), _allowed(self._lang_names, langs), include_inactive)

    def lookup(self, text: str, flt: _Filter, limit: int = 10) -> list[Hit]:
        """The best ``limit`` concepts for a diagnosis name, best first."""
        q = normalise(text[:MAX_QUERY])
        if not q or limit <= 0:
            return []
        found: dict[int, tuple[int, float]] = {}  # term row → (tier, score)
        self._score(q, self._allowed(np.arange(*self._norms.equal_range(q.encode()), dtype=np.int64), flt), found)
        if " " in q:
            for row in self._permutations(q, flt):
                found.setdefault(row, (_KIND_TIER.get(int(self._kind[row]), _SYNONYM), 99.0))
        if self._concepts_in(found) < limit:
            self._score(q, self._by_rank((q + " ").encode(), flt, limit), found)
        if self._concepts_in(found) < limit:
            # after an exact hit the other results only fill the list: fewer, cheaper candidates
            named = any(tier <= _ABBREVIATION for tier, _ in found.values())
            pool = FUZZY_POOL // 2 if named else FUZZY_POOL
            best = self._score(q, self._word_candidates(q, flt, pool, verify=not named), found)
            if not named and (best < WORDS_ENOUGH or self._concepts_in(found) < limit):
                self._score(q, self._gram_candidates(q, flt, FUZZY_POOL), found)
        return self._rank_hits(text, found, limit)

    def _score(self, q: str, rows: np.ndarray, found: dict[int, tuple[int, float]]) -> float:
        """Score ``rows`` against ``q`` into ``found`` (tier, score); the best fuzzy score."""
        new = [r for r in rows.tolist() if r not in found]
        if not new:
            return 0.0
        norms = self._norms.texts(new)
        scores = similarity(q, norms)
        qs = q + " "
        if " " in q:  # a name equal to or starting with the query holds all its words
            fuzzy = [i for i, norm in enumerate(norms) if not norm.startswith(qs) and norm != q]
            if fuzzy:
                cover = self._coverage(q, [norms[i] for i in fuzzy])
                scores[fuzzy] *= COVERAGE_FLOOR + (1.0 - COVERAGE_FLOOR) * cover
        best = 0.0
        for row, norm, score in zip(new, norms, scores.tolist()):
            if norm == q:
                found[row] = (_KIND_TIER.get(int(self._kind[row]), _SYNONYM), 100.0)
            elif norm.startswith(qs):
                found[row] = (_PREFIX, score)
            elif score >= FUZZY_CUTOFF:
                found[row] = (_FUZZY, score)
                best = max(best, score)
        return best

    def _coverage(self, q: str, norms: list[str]) -> np.ndarray:
        """Share of the query's words (weighted by inverse document frequency) that each name
        holds, exactly or spelt alike: the rare word ("Gaucher") counts for more than the
        common one ("disease"), so "Gauchers sjukdom" covers "Gaucher disease" better than
        "Hand, foot and mouth disease" does. Numbers and the word they number ("type 2") are
        left out: a name numbering something else is judged by :func:`similarity`."""
        typed = q.split()
        numbered = {i for i, w in enumerate(typed) if w.isdigit()}
        words = list(dict.fromkeys(w for i, w in enumerate(typed) if i not in numbered and i + 1 not in numbered))
        if not words:
            return np.ones(len(norms), np.float32)
        known = self._vocab_rows(words)
        df = np.where(known >= 0, self._tok_off[known + 1] - self._tok_off[known], 1)
        weight = np.log2(1.0 + self.size / np.maximum(df, 1))
        vocab: dict[str, int] = {}
        ids: list[int] = []  # the words of every name, one name after the other
        starts: list[int] = []
        for norm in norms:
            starts.append(len(ids))
            ids.extend(vocab.setdefault(w, len(vocab)) for w in norm.split())
        near = process.cdist(words, list(vocab), scorer=fuzz.ratio, dtype=np.float32) >= SPELT_ALIKE
        held = np.maximum.reduceat(near[:, ids].T.view(np.uint8), starts, axis=0)  # names × query words
        return (held @ weight) / weight.sum()

    def complete(self, prefix: str, flt: _Filter, limit: int = 10) -> list[Hit]:
        """Completions of a name being typed: names starting with ``prefix`` (short, preferred
        names first), then names with a word starting with each word typed ("cyst fib"), then
        (from three letters on) fuzzy matches."""
        p = normalise(prefix[:MAX_QUERY])
        if not p or limit <= 0:
            return []
        if not prefix[-1:].isalnum():
            p += " "  # the last word is complete
        ordered: list[tuple[int, int]] = []  # (term row, tier) in result order
        exact = p.rstrip()
        for row in self._by_rank(p.encode(), flt, limit).tolist():
            tier = _KIND_TIER.get(int(self._kind[row]), _SYNONYM) if self._norms.get(row).decode() == exact else _PREFIX
            ordered.append((row, tier))
        ordered.sort(key=lambda rt: rt[1] > _ABBREVIATION)  # exact names before the other prefixes
        if self._concepts_of(r for r, _ in ordered) < limit:
            ordered.extend((row, _PREFIX) for row in self._word_prefix(p, flt, limit).tolist())
        if self._concepts_of(r for r, _ in ordered) < limit and len(exact) >= 3:
            ordered.extend((row, _FUZZY) for row in self._word_candidates(exact, flt, FUZZY_POOL).tolist())
        return self._complete_hits(exact, ordered, limit)

    # --- candidates -----------------------------------------------------------------------

    def _allowed(self, rows: np.ndarray, flt: _Filter) -> np.ndarray:
        if not len(rows):
            return rows
        keep = self._allowed_mask(rows, flt)
        return rows if keep is None else rows[keep]

    def _concepts_in(self, found: dict[int, tuple[int, float]]) -> int:
        return len({int(self._concept[r]) for r in found}) if found else 0

    def _concepts_of(self, rows: Iterable[int]) -> int:
        return len({int(self._concept[r]) for r in rows})

    def _permutations(self, q: str, flt: _Filter) -> list[int]:
        key = permutation_key(q)
        h = np.uint64(text_hash(key))
        lo, hi = np.searchsorted(self._perm_keys, h, "left"), np.searchsorted(self._perm_keys, h, "right")
        rows = self._allowed(self._perm_rows[lo:hi].astype(np.int64), flt)
        return [r for r in rows.tolist() if permutation_key(self._norms.get(r).decode()) == key]

    def _by_rank(self, prefix: bytes, flt: _Filter, limit: int) -> np.ndarray:
        """Rows whose key starts with ``prefix`` and that pass ``flt``, best completion rank
        first, enough of them to cover ``limit`` concepts."""
        lo, hi = self._norms.prefix_range(prefix)
        if hi <= lo:
            return np.zeros(0, np.int64)
        if hi - lo > _SMALL_RANGE:
            j, end = self._prefixes.equal_range(prefix)
            if end > j:  # a precomputed best list exists for every prefix of a large range
                rows = self._allowed(self._pre_rows[self._pre_off[j]:self._pre_off[j + 1]].astype(np.int64), flt)
                if self._concepts_of(rows.tolist()) >= limit:
                    return rows
        rows = self._allowed(np.arange(lo, hi, dtype=np.int64), flt)
        ranks = self._rank[rows]
        want = limit * 4
        while True:
            if len(rows) > want:
                top = np.argpartition(ranks, want)[:want]
                top = top[np.argsort(ranks[top])]
            else:
                top = np.argsort(ranks)
            chosen = rows[top]
            if len(top) == len(rows) or self._concepts_of(chosen.tolist()) >= limit:
                return chosen
            want *= 4

    def _word_prefix(self, p: str, flt: _Filter, limit: int) -> np.ndarray:
        """Rows holding, for every word of ``p``, a word that starts with it, as typed ahead
        ("cyst fib" → "Cystic fibrosis"); a last word followed by a space must match whole.
        Best completion rank first."""
        words = list(dict.fromkeys(p.split()))
        whole = words[-1] if p.endswith(" ") else None
        spans: list[tuple[int, int]] = []  # each word's slice of the postings (vocabulary order)
        for word in words:
            if word == whole:
                lo = int(self._vocab_rows([word])[0])
                hi = lo + 1
                if lo < 0:
                    return np.zeros(0, np.int64)
            else:
                lo, hi = self._tokens.prefix_range(word.encode())
                if lo == hi:
                    return np.zeros(0, np.int64)
            spans.append((int(self._tok_off[lo]), int(self._tok_off[hi])))
        spans.sort(key=lambda span: span[1] - span[0])
        start, stop = spans[0]
        # the rows of the rarest word (its completions, as many as the budget allows) ...
        rows = np.unique(self._tok_rows[start:min(stop, start + PREFIX_BUDGET)])
        if len(spans) > 1:
            mark = np.zeros(self.size, np.bool_)
            for start, stop in spans[1:]:  # ... that also hold a completion of every other word
                mark[:] = False
                mark[self._tok_rows[start:stop]] = True
                rows = rows[mark[rows]]
        rows = self._allowed(rows.astype(np.int64), flt)
        want = max(limit * 4, 64)
        ranks = self._rank[rows]
        if len(rows) > want:
            top = np.argpartition(ranks, want)[:want]
            rows, ranks = rows[top], ranks[top]
        rows = rows[np.argsort(ranks, kind="stable")]
        return rows[np.r_[True, rows[1:] != rows[:-1]]] if len(rows) else rows

    def _gram_candidates(self, q: str, flt: _Filter, pool: int) -> np.ndarray:
        """Rows sharing most trigrams with ``q`` (Dice estimate), best first."""
        keys = gram_keys(q)
        pos = _positions(self._gram_keys, keys)
        return self._overlap(self._gram_rows, self._gram_off[pos], self._gram_off[pos + 1], len(keys),
                             self._ngrams, GRAM_BUDGET, MIN_GRAMS, flt, pool, verify=VERIFY_LISTS)

    def _word_candidates(self, q: str, flt: _Filter, pool: int, verify: bool = True) -> np.ndarray:
        """Rows sharing most words with ``q`` (weighted Dice estimate), best first.

        A word of ``q`` that is not in the index stands for its closest index words (a typo);
        the word that tells one of many similar long names apart is often common as trigrams
        but rare as a word, which is why words come first and trigrams of whole names last.
        """
        words = list(dict.fromkeys(q.split()))
        rows: list[int] = []
        boost: list[float] = []
        for word, row in zip(words, self._vocab_rows(words).tolist()):
            if row >= 0:
                rows.append(row)
                boost.append(1.0)
            elif len(word) >= 3:
                for similar, similarity in self._similar_words(word):
                    rows.append(similar)
                    boost.append(similarity)
        pos = np.array(rows, np.int64)
        return self._overlap(self._tok_rows, self._tok_off[pos], self._tok_off[pos + 1], len(words),
                             self._nwords, WORD_BUDGET, 2, flt, pool, np.array(boost), VERIFY_LISTS if verify else 0)

    def _vocab_rows(self, words: list[str]) -> np.ndarray:
        """Row of each word in the vocabulary table, -1 for a word not in it."""
        if not len(self._tok_hash):
            return np.full(len(words), -1, np.int64)
        hashes = np.fromiter((text_hash(w) for w in words), np.uint64, len(words))
        pos = np.minimum(np.searchsorted(self._tok_hash, hashes), len(self._tok_hash) - 1)
        return np.where(self._tok_hash[pos] == hashes, self._tok_hash_row[pos], -1).astype(np.int64)

    def _similar_words(self, word: str) -> list[tuple[int, float]]:
        """Up to SIMILAR_MAX vocabulary rows spelt like ``word`` (rapidfuzz ratio ≥ SIMILAR_MIN),
        with the similarity (0–1); candidates come from the vocabulary's trigram index."""
        keys = gram_keys(word)
        pos = _positions(self._tg_keys, keys)
        if not len(pos):
            return []
        read = np.concatenate([self._tg_rows[s:e] for s, e in zip(self._tg_off[pos].tolist(), self._tg_off[pos + 1].tolist())])
        read.sort()
        first = np.flatnonzero(np.concatenate(([True], read[1:] != read[:-1])))
        rows, shared = read[first], np.diff(np.append(first, len(read)))
        dice = shared / (len(keys) + self._tok_ngrams[rows])
        if len(rows) > SIMILAR_POOL:
            top = np.argpartition(-dice, SIMILAR_POOL)[:SIMILAR_POOL]
            rows = rows[top]
        names = self._tokens.texts(rows.tolist())
        sims = process.cdist([word], names, scorer=fuzz.ratio, dtype=np.float32)[0].tolist()
        best = sorted(zip(sims, rows.tolist(), names), key=lambda x: (-x[0], x[2]))
        return [(row, sim / 100) for sim, row, _ in best[:SIMILAR_MAX] if sim >= SIMILAR_MIN]

    def _overlap(self, values: np.ndarray, starts: np.ndarray, stops: np.ndarray, total: int, sizes: np.ndarray,
                 budget: int, minimum: int, flt: _Filter, pool: int, boost: np.ndarray | None = None,
                 verify: int = 0) -> np.ndarray:
        """The ``pool`` rows with the highest Dice coefficient between the query's ``total``
        features and a row's ``sizes[row]`` features; posting list i is ``values[starts[i]:stops[i]]``,
        its weight the inverse document frequency (times ``boost[i]``).

        Lists are read rarest first until ``budget`` entries are read (at least ``minimum``
        lists); the rows found are candidates. The best candidates are then checked against
        up to ``verify`` of the next, more frequent lists by binary search (they are sorted), so
        that a feature too frequent to read still tells apart candidates that tie on rare ones.
        """
        if not len(starts):
            return np.zeros(0, np.int64)
        df = stops - starts
        order = np.argsort(df, kind="stable")
        weight = np.log2(1.0 + self.size / np.maximum(df[order], 1))  # rarer features weigh more
        if boost is not None:
            weight = weight * boost[order]
        cumulative = np.cumsum(df[order])
        k = max(int(np.searchsorted(cumulative, budget, "right")),  # within budget, but at least
                min(len(order), minimum, int(np.searchsorted(cumulative, budget * 5, "right"))),  # minimum lists
                1)
        parts = [values[s:e] for s, e in zip(starts[order[:k]].tolist(), stops[order[:k]].tolist())]
        read = np.concatenate(parts)
        weights = np.repeat(weight[:k], [len(p) for p in parts])
        by_row = np.argsort(read, kind="stable")
        read, weights = read[by_row], weights[by_row]
        first = np.flatnonzero(np.concatenate(([True], read[1:] != read[:-1])))
        rows, shared = read[first], np.add.reduceat(weights, first)
        keep = self._allowed_mask(rows, flt)
        if keep is not None:
            rows, shared = rows[keep], shared[keep]
        if not len(rows):
            return rows.astype(np.int64)
        read_weight = float(weight[:k].sum())
        checked = min(len(order), k + verify)
        if checked > k and len(rows) > pool:
            rows, shared = _beam(rows, shared, float(weight[:k].max()), pool)
            if len(rows) > VERIFY_POOL:
                dice = shared / (read_weight + sizes[rows] * (read_weight / total))
                top = np.sort(np.argpartition(-dice, VERIFY_POOL)[:VERIFY_POOL])  # rows stay ascending
                rows, shared = rows[top], shared[top]
            for j, (s, e) in enumerate(zip(starts[order[k:checked]].tolist(), stops[order[k:checked]].tolist()), k):
                shared = shared + weight[j] * _member(values[s:e], rows)
                rows, shared = _beam(rows, shared, float(weight[:j + 1].max()), pool)
            read_weight = float(weight[:checked].sum())
        # Dice coefficient on the weights of the features read; a row's feature count is scaled
        # to the share of the query's features that were read
        dice = shared / (read_weight + sizes[rows] * (read_weight / total))
        if len(rows) > pool:
            top = np.argpartition(-dice, pool)[:pool]
            rows, dice = rows[top], dice[top]
        return rows[np.lexsort((rows, -dice))].astype(np.int64)

    def _allowed_mask(self, rows: np.ndarray, flt: _Filter) -> np.ndarray | None:
        keep = None
        if not flt.include_inactive:
            keep = self._active[rows]
        if flt.systems is not None:
            ok = flt.systems[self._system[rows]]
            keep = ok if keep is None else keep & ok
        if flt.langs is not None:
            ok = flt.langs[self._lang[rows]]
            keep = ok if keep is None else keep & ok
        return keep

    # --- ranking --------------------------------------------------------------------------

    def _rank_hits(self, text: str, found: dict[int, tuple[int, float]], limit: int) -> list[Hit]:
        if not found:
            return []
        rows = np.fromiter(found, np.int64, len(found))
        kinds, ranks = self._kind[rows].tolist(), self._rank[rows].tolist()
        inactive, concepts = (~self._active[rows]).tolist(), self._concept[rows].tolist()
        demoted = self._demoted[rows].tolist()
        # names (exact, synonym, abbreviation) first, by score: a name in the order typed (100)
        # before the same words reordered (99); on an equal match diagnoses before extension
        # codes and index entries, then the tier (preferred label, synonym, abbreviation)
        keyed = []
        for j, row in enumerate(rows.tolist()):
            tier, score = found[row]
            keyed.append((tier if tier >= _PREFIX else _EXACT, -round(score, 1), demoted[j], tier, 0.0, kinds[j], inactive[j],
                          ranks[j], concepts[j], row))
        keyed.sort()
        # ties up to the last result are broken by the surface text: the name closest to what
        # was typed, accents and case included, wins
        seen: set[int] = set()
        end = len(keyed)
        for i, item in enumerate(keyed):
            seen.add(item[8])
            if len(seen) == limit:
                end = i + 1
                while end < len(keyed) and keyed[end][:4] == item[:4]:
                    end += 1
                break
        head = keyed[:end]
        texts = self._texts.texts([item[9] for item in head])
        surface = process.cdist([text.casefold()], [t.casefold() for t in texts], scorer=fuzz.ratio,
                                dtype=np.float32)[0].tolist()
        ranked = sorted((item[:4] + (-surface[i],) + item[5:] + (texts[i],)) for i, item in enumerate(head))
        return self._distinct(((concept, row, text, tier, -neg) for _g, neg, _d, tier, _s, _k, _a, _l, concept, row, text
                               in ranked), limit)

    def _complete_hits(self, exact: str, ordered: list[tuple[int, int]], limit: int) -> list[Hit]:
        rows = [r for r, _ in ordered]
        if not rows:
            return []
        norms = self._norms.texts(rows)
        texts = self._texts.texts(rows)
        scores = similarity(exact, norms)
        keyed: list[tuple[int, int, float, int, str]] = []  # (tier, position, -score, row, text)
        fuzzy: list[tuple[int, int, float, int, str]] = []
        for j, (row, tier) in enumerate(ordered):
            score = 100.0 if tier <= _ABBREVIATION else float(scores[j])
            item = (tier, j, -score, row, texts[j])
            (fuzzy if tier == _FUZZY else keyed).append(item)
        fuzzy.sort(key=lambda it: (it[2], int(self._concept[it[3]]), it[3]))
        return self._distinct(((int(self._concept[row]), row, text, tier, -neg) for tier, _, neg, row, text in keyed + fuzzy
                                if not (tier == _FUZZY and -neg < FUZZY_CUTOFF)), limit)

    def _distinct(self, ranked: Iterable[tuple[int, int, str, int, float]], limit: int) -> list[Hit]:
        """The first ``limit`` hits of ``ranked`` (concept, term row, text, tier, score), one per
        concept: its best-ranked name."""
        out: list[Hit] = []
        seen: set[int] = set()
        for concept, row, text, tier, score in ranked:
            if concept in seen:
                continue
            seen.add(concept)
            out.append(Hit(concept, row, text, self._lang_names[self._lang[row]] or "", TIERS[tier], score))
            if len(out) == limit:
                break
        return out


_NUMBER = re.compile(r"\b\d+\b")
NUMBER_MISMATCH = 0.8  # score factor for a name whose numbers all differ from the query's


def _is_short(q: str) -> bool:
    """An abbreviation-like normalised query: words of at most SHORT_QUERY characters, at most
    two of them ("sma", "pku", "cf", "mps 1")."""
    words = q.split()
    return len(words) <= 2 and all(len(w) <= SHORT_QUERY for w in words)


def similarity(q: str, names: list[str]) -> np.ndarray:
    """Scores 0–100 of normalised ``names`` against the normalised query ``q``.

    Like rapidfuzz's WRatio (best of ratio, word-sorted ratio and, for a name much longer
    than the query, the scaled ratio of the query against the best-matching part of the name),
    but a name much *shorter* than the query gets no such partial credit: a name must account
    for what was typed, so "Nerve" is no good answer to "plantar nerve" with a typo. A longer
    name holding every word of the query, in any order, gets the full partial credit however
    little longer it is ("Muskeldystrofi, hereditär, typ Duchenne" for "Duchennes
    muskeldystrofi"; "Proximal spinal muscular atrophy type 1" no worse than a much longer name
    that contains "spinal muscular atrophy type 1").
    """
    if not names:
        return np.zeros(0, np.float32)
    score = process.cdist([q], names, scorer=fuzz.ratio, dtype=np.float32)[0]
    np.maximum(score, 0.95 * process.cdist([q], names, scorer=fuzz.token_sort_ratio, dtype=np.float32)[0], out=score)
    lengths = np.fromiter(map(len, names), np.float32, len(names))
    scale = np.where(lengths >= 8 * len(q), 0.6, 0.9).astype(np.float32)
    longer = np.flatnonzero(lengths >= 1.5 * len(q))
    if _is_short(q):
        # no credit for a fragment of a longer word ("sma" in "smarta"): a name must hold a word
        # spelt like the query, or be spelt like it as a whole
        word = np.array([max((fuzz.ratio(q, w) for w in name.split()), default=0.0) for name in names], np.float32)
        alike = (word >= SHORT_CUTOFF) | (score >= SHORT_CUTOFF)
        score[longer] = np.maximum(score[longer], word[longer] * scale[longer])
        score[~alike] = 0.0
    elif len(longer):
        part = process.cdist([q], [names[i] for i in longer.tolist()], scorer=fuzz.partial_ratio, dtype=np.float32)[0]
        score[longer] = np.maximum(score[longer], part * scale[longer])
    words = set(q.split())
    for i, name in enumerate(names):
        if len(name) > len(q) and words.issubset(name.split()):
            score[i] = max(score[i], 100.0 * scale[i])
    wanted = set(_NUMBER.findall(q))
    if wanted:  # "type 2" is not "type 3": a name numbering something else is a poor match
        for i, name in enumerate(names):
            numbers = _NUMBER.findall(name)
            if numbers and wanted.isdisjoint(numbers):
                score[i] *= NUMBER_MISMATCH
    return score


def _beam(rows: np.ndarray, shared: np.ndarray, slack: float, pool: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the rows whose shared weight is within ``slack`` (one missed feature) of the best,
    and never fewer than ``pool`` rows."""
    if len(rows) <= pool:
        return rows, shared
    keep = shared >= shared.max() - slack
    if keep.sum() < pool:
        keep = shared >= np.partition(shared, len(rows) - pool)[len(rows) - pool]
    return rows[keep], shared[keep]


def _member(sorted_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` are in the ascending array ``sorted_rows``."""
    if not len(sorted_rows):
        return np.zeros(len(rows), np.bool_)
    pos = np.searchsorted(sorted_rows, rows)
    pos[pos == len(sorted_rows)] = 0
    return sorted_rows[pos] == rows


def _allowed(names: list[str], wanted: Collection[str] | None) -> np.ndarray | None:
    if wanted is None:
        return None
    wanted = {wanted} if isinstance(wanted, str) else set(wanted)
    return np.array([n in wanted for n in names] + [False], np.bool_)


def _positions(sorted_keys: np.ndarray, keys) -> np.ndarray:
    """Positions in ``sorted_keys`` of those of ``keys`` it holds."""
    qk = np.fromiter(keys, np.uint64, len(keys))
    pos = np.searchsorted(sorted_keys, qk)
    inside = pos < len(sorted_keys)
    pos, qk = pos[inside], qk[inside]
    return pos[sorted_keys[pos] == qk]
