"""Build the search index at snapshot compile time: Arrow tables that :mod:`raremap.services.search`
memory-maps on load (nothing is rebuilt when a snapshot is opened).

Tables (``search_*`` in the snapshot):

``search_terms``   one row per (concept, normalised name, language), sorted by the normalised
                   name: concept row, display text, key, lang, kind (0 preferred, 1 synonym,
                   2 abbreviation), system, active, number of distinct trigrams and words,
                   completion rank, demoted (not a diagnosis: an ICD-11 extension code or an
                   Alpha-ID entry), source (the code a borrowed name comes from: an ORPHA
                   concept's Swedish name taken from the title of an ICD-10-SE code bridged to
                   it, ``ICD10SE:E75.2A``; "" for the concept's own names), head (the
                   name's first 8 UTF-8 bytes as a big-endian integer: a binary search of the
                   sorted names starts in numpy)
``search_grams``   trigram key (uint64, sorted) → term rows (list<int32>, ascending)
``search_tokens``  normalised word (sorted) → term rows, for completing a word inside a name
                   and for word candidates; ``hash``/``hash_row`` find a word by its hash;
                   ``ngrams``: trigrams per word; ``head`` as for the names
``search_token_grams`` trigram key (sorted) → words (rows of ``search_tokens``), to find the
                   words of the index closest to a misspelt word
``search_perm``    hash of the word-sorted key (sorted) → term row, for "syndrome, Marfan"
``search_prefix``  for every key prefix shared by many terms: the best terms by completion rank
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

import numpy as np
import pyarrow as pa

from ..model import Concept, TermKind
from ..snapshot.columns import head_key
from .textnorm import normalise, permutation_key, strip_brackets

PREFERRED, SYNONYM, ABBREVIATION, GROUPED = 0, 1, 2, 3
KIND_NAMES = ("preferred", "synonym", "abbreviation", "grouped")
PREFIX_TOP = 256  # terms kept per precomputed prefix
PREFIX_MIN = 2048  # a prefix shared by at least this many terms gets a precomputed list

# an abbreviation: capitals and digits, optionally numbered by a separate roman or arabic numeral ("MPS I")
_ACRONYM = re.compile(r"^[A-Z0-9][A-Z0-9\-/]{1,9}(?: [IVX]{1,4}| [0-9]{1,3})?$")
# systems whose concepts are entries of a term index, each naming a diagnosis of another system
# (an Alpha-ID names an ORPHA entity and ICD-10-GM codes): ranked after diagnoses on equal matches
INDEX_ENTRY_SYSTEMS = frozenset({"ALPHAID"})


@dataclass(frozen=True, slots=True)
class IndexTerm:
    """One name to index: the concept's row, display text, language and kind (0/1/2)."""

    concept: int
    text: str
    lang: str
    kind: int
    system: str
    active: bool
    key: str = ""  # the text to normalise when it differs from the display text
    demoted: bool = False  # not a diagnosis (ICD-11 extension code, Alpha-ID entry): ranked after diagnoses
    source: str = ""  # the code a borrowed name comes from (ICD10SE:E75.2A); "" for the concept's own names


def text_hash(key: str) -> int:
    """Stable 63-bit hash of a key (a word-sorted name or a word); fits int64 and uint64."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") >> 1


def head_keys(values: Sequence[str]) -> np.ndarray:
    """:func:`head_key` of each value's UTF-8 bytes."""
    return np.fromiter((head_key(v.encode()) for v in values), np.uint64, len(values))


def is_acronym(text: str) -> bool:
    """``CF``, ``NF1``, ``MPS I``: capitals (at least two letters) and digits, no lower case."""
    return bool(_ACRONYM.match(text)) and sum(c.isalpha() for c in text) >= 2


def _kind(kind: TermKind, text: str) -> int:
    """Preferred labels stay preferred; any other name written as an acronym (a synonym, an
    index term) is an abbreviation."""
    if kind is TermKind.PREFERRED:
        return PREFERRED
    if kind is TermKind.GROUPED:
        return GROUPED
    if kind is TermKind.ABBREVIATION or is_acronym(text):
        return ABBREVIATION
    return SYNONYM


def concept_terms(concepts: Sequence[Concept]) -> Iterator[IndexTerm]:
    """Every name of every concept: labels in all languages, synonyms, abbreviations, FSNs,
    index terms; plus each name without its bracketed parts ("Cystit (blåskatarr)" → "Cystit"),
    an abbreviation when what is left is one ("CF [Fibrosis cystica]" → "CF")."""
    for row, c in enumerate(concepts):
        names: list[tuple[str, str, int]] = [(text, lang, PREFERRED) for lang, text in sorted(c.labels.items())]
        if c.label and c.label not in c.labels.values():
            names.append((c.label, "", PREFERRED))
        names.extend((t.text, t.lang, _kind(t.kind, t.text)) for t in c.synonyms)
        active = c.status.is_active
        demoted = (c.system == "ICD11" and c.attributes.get("chapter") == "X") or c.system in INDEX_ENTRY_SYSTEMS
        for text, lang, kind in names:
            if text:
                yield IndexTerm(row, text, lang, kind, c.system, active, demoted=demoted)
        for text, lang, kind in names:
            bare = strip_brackets(text) if ("(" in text or "[" in text) else ""
            if bare and bare != text:
                bare_kind = ABBREVIATION if is_acronym(bare) else kind
                yield IndexTerm(row, text, lang, bare_kind, c.system, active, key=bare, demoted=demoted)


def build_search_tables(terms: Iterable[IndexTerm]) -> dict[str, pa.Table]:
    """The ``search_*`` tables for ``terms`` (see the module docstring)."""
    best: dict[tuple[int, str, str], tuple[int, str, str, bool, bool, bool, str]] = {}
    for t in terms:
        norm = normalise(t.key or t.text)
        if not norm:
            continue
        key = (t.concept, norm, t.lang)
        value = (t.kind, t.text, t.system, t.active, bool(t.key), t.demoted, t.source)
        old = best.get(key)
        # the concept's own name before a borrowed one, then the stronger kind, the name as written
        if old is None or (bool(value[6]), value[0], value[4]) < (bool(old[6]), old[0], old[4]):
            best[key] = value
    rows = sorted(best.items(), key=lambda kv: (kv[0][1], kv[1][0], kv[0][0], kv[0][2]))
    n = len(rows)
    concept = np.fromiter((k[0] for k, _ in rows), np.int32, n)
    norms = [k[1] for k, _ in rows]
    kind = np.fromiter((v[0] for _, v in rows), np.int8, n)
    active = np.fromiter((v[3] for _, v in rows), np.bool_, n)
    gram_key, gram_term, ngrams = _grams(norms)
    demoted = np.fromiter((v[5] for _, v in rows), np.bool_, n)
    rank = _completion_rank(norms, kind, active, demoted)
    terms_table = pa.table({
        "concept": pa.array(concept, pa.int32()),
        "text": pa.array([v[1] for _, v in rows], pa.string()),
        "norm": pa.array(norms, pa.string()),
        "lang": pa.array([k[2] for k, _ in rows], pa.string()).dictionary_encode(),
        "kind": pa.array(kind, pa.int8()),
        "system": pa.array([v[2] for _, v in rows], pa.string()).dictionary_encode(),
        "active": pa.array(active, pa.bool_()),
        "ngrams": pa.array(ngrams, pa.int32()),
        "nwords": pa.array(np.fromiter((len(set(s.split())) for s in norms), np.int32, n), pa.int32()),
        "rank": pa.array(rank, pa.int32()),
        "demoted": pa.array(demoted, pa.bool_()),
        "source": pa.array([v[6] for _, v in rows], pa.string()).dictionary_encode(),
        "head": pa.array(head_keys(norms), pa.uint64()),
    })
    tokens, token_grams = _token_postings(norms)
    return {
        "search_terms": terms_table,
        "search_grams": _postings(gram_key, gram_term, pa.uint64()),
        "search_tokens": tokens,
        "search_token_grams": token_grams,
        "search_perm": _perm_table(norms),
        "search_prefix": _prefix_table(norms, rank),
    }


def _grams(norms: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gram key, term row) pairs, unique, sorted by key then row; and unique grams per row.

    Word trigrams padded by spaces are the windows of " w1  w2  w3 " that contain no two
    adjacent spaces; the windows of all names are computed at once on UTF-32 code points.
    """
    n = len(norms)
    if n == 0:
        empty = np.zeros(0, np.uint64)
        return empty, np.zeros(0, np.int32), np.zeros(0, np.int32)
    padded = [" " + s.replace(" ", "  ") + " \0\0" for s in norms]
    lengths = np.fromiter((len(p) for p in padded), np.int64, n)
    cps = np.frombuffer("".join(padded).encode("utf-32-le"), np.uint32).astype(np.uint64)
    row = np.repeat(np.arange(n, dtype=np.int32), lengths)
    a, b, c = cps[:-2], cps[1:-1], cps[2:]
    ok = (a != 0) & (b != 0) & (c != 0) & ~((a == 32) & (b == 32)) & ~((b == 32) & (c == 32))
    keys = ((a << np.uint64(42)) | (b << np.uint64(21)) | c)[ok]
    rows = row[:-2][ok]
    order = np.lexsort((rows, keys))
    keys, rows = keys[order], rows[order]
    keep = np.ones(len(keys), np.bool_)
    keep[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
    keys, rows = keys[keep], rows[keep]
    ngrams = np.bincount(rows, minlength=n).astype(np.int32)
    return keys, rows, ngrams


def _postings(keys: np.ndarray, rows: np.ndarray, key_type: pa.DataType) -> pa.Table:
    """Group sorted (key, row) pairs into key → list of rows."""
    if len(keys):
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    else:
        starts = np.zeros(0, np.int64)
    offsets = np.r_[starts, len(keys)].astype(np.int32)
    postings = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(rows, pa.int32()))
    return pa.table({"key": pa.array(keys[starts], key_type), "terms": postings})


def _token_postings(norms: list[str]) -> tuple[pa.Table, pa.Table]:
    """The vocabulary (word → term rows, word hashes, trigram counts) and its trigram index."""
    ids: dict[str, int] = {}
    tok_ids: list[int] = []
    tok_rows: list[int] = []
    for row, norm in enumerate(norms):
        for tok in set(norm.split()):
            tok_ids.append(ids.setdefault(tok, len(ids)))
            tok_rows.append(row)
    vocab = sorted(ids)
    order_of = np.empty(len(ids), np.int64)
    order_of[np.fromiter((ids[t] for t in vocab), np.int64, len(vocab))] = np.arange(len(vocab))
    keys = order_of[np.array(tok_ids, np.int64)] if tok_ids else np.zeros(0, np.int64)
    rows = np.array(tok_rows, np.int32)
    order = np.lexsort((rows, keys))
    table = _postings(keys[order], rows[order], pa.int64())
    hashes = np.fromiter((text_hash(t) for t in vocab), np.uint64, len(vocab))
    by_hash = np.argsort(hashes, kind="stable")
    gram_key, gram_token, ngrams = _grams(vocab)
    return pa.table({
        "token": pa.array(vocab, pa.string()),
        "terms": table.column("terms"),
        "hash": pa.array(hashes[by_hash], pa.uint64()),
        "hash_row": pa.array(by_hash.astype(np.int32), pa.int32()),
        "ngrams": pa.array(ngrams, pa.int32()),
        "head": pa.array(head_keys(vocab), pa.uint64()),
    }), _postings(gram_key, gram_token, pa.uint64())


def _perm_table(norms: list[str]) -> pa.Table:
    pairs = sorted((text_hash(permutation_key(norm)), row) for row, norm in enumerate(norms) if " " in norm)
    return pa.table({
        "key": pa.array([k for k, _ in pairs], pa.uint64()),
        "term": pa.array([r for _, r in pairs], pa.int32()),
    })


def _completion_rank(norms: list[str], kind: np.ndarray, active: np.ndarray, demoted: np.ndarray) -> np.ndarray:
    """Static order for completion: diagnoses before ICD-11 extension codes, full names before
    abbreviations and grouped terms, short names first, preferred before synonyms, active first; rows are
    already sorted by name, which breaks the remaining ties."""
    lengths = np.fromiter((len(s) for s in norms), np.int32, len(norms))
    order = np.lexsort((np.arange(len(norms)), ~active, kind, lengths, kind >= ABBREVIATION, demoted))
    rank = np.empty(len(norms), np.int32)
    rank[order] = np.arange(len(norms), dtype=np.int32)
    return rank


def _prefix_table(norms: list[str], rank: np.ndarray) -> pa.Table:
    """For each prefix shared by at least PREFIX_MIN names: the PREFIX_TOP best rows by rank."""
    prefixes: list[str] = []
    lists: list[np.ndarray] = []
    stack = [(0, len(norms), 0)]
    while stack:
        lo, hi, depth = stack.pop()
        start = lo
        for head, group in groupby(range(lo, hi), key=lambda i: norms[i][: depth + 1]):
            size = sum(1 for _ in group)
            stop = start + size
            if size >= PREFIX_MIN and len(head) == depth + 1:
                ranks = rank[start:stop]
                k = min(PREFIX_TOP, size)
                best = np.argpartition(ranks, k - 1)[:k]
                best = best[np.argsort(ranks[best])]
                prefixes.append(head)
                lists.append((best + start).astype(np.int32))
                stack.append((start, stop, depth + 1))
            start = stop
    order = sorted(range(len(prefixes)), key=prefixes.__getitem__)
    offsets = np.zeros(len(order) + 1, np.int32)
    for j, i in enumerate(order):
        offsets[j + 1] = offsets[j] + len(lists[i])
    values = np.concatenate([lists[i] for i in order]) if order else np.zeros(0, np.int32)
    return pa.table({
        "prefix": pa.array([prefixes[i] for i in order], pa.string()),
        "terms": pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(values, pa.int32())),
    })
