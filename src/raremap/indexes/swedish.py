"""Does a Swedish ICD-10-SE title name the same disease as an ORPHA name (in any language)?

No Orphanet release carries Swedish names, so a Swedish title is compared with the English,
French and German names and synonyms the releases do carry, through a *disease key*: the
lookup's normalised words (:func:`raremap.indexes.textnorm.tokens`, so å/ä/ö, case, hyphens,
apostrophes, the genitive ``-s`` and roman numerals are treated exactly as lookup treats them),
then a small set of rules that make the Swedish, English, German and French spellings of
the same clinical word equal. The rules, in the order applied to each word:

1. a few words by table (:data:`LEXICON`): sjukdom/disease/maladie/Krankheit/morbus → disease,
   medfödd/congenital/angeboren → congenital, typ/type/Typus → type, brist/deficiency/Mangel →
   deficiency, och/and/et/und → and, med/with/avec/mit → with …; filler words (of, the, de,
   la, der, vom, av …) are dropped;
2. a Swedish compound that starts with a body-part word of the table or a Greek letter is
   split: ``muskeldystrofi`` → ``muskel dystrofi`` (→ muscular dystrophy), ``betatalassemi``
   → ``beta talassemi``;
3. spelling: c, z → k; ph → f; th → t; y → i; ae, oe → e; ou → o; w → v; a doubled letter is
   written once (``Hoffmann`` = ``Hoffman``, ``talassemi`` = ``thalassemia``);
4. endings: -osis/-os/-ose → -o (``fibros`` = ``fibrosis`` = ``Fibrose``), -itis/-it/-ite →
   -it, -ia/-ie → -i (``-emi`` = ``-emia`` = ``-aemia``, ``atrofi`` = ``atrophy``), -ary/-är →
   -ar, -ical/-isk/-ic/-isch → -ik, -ous/-ös → -o, a final -e of a long word is dropped
   (``syndrome`` = ``syndrom``).

Latin words pass through the same rules on both sides, so a Latin name written alike in a
Swedish title and an ORPHA synonym stays equal ("Fibrosis cystica" = "Fibrosis cystica").

:func:`names_same_disease` scores a title against one name (``None``: not the same disease):

=====  ==============================================================================
1.0    the same words in the same order (``Wilsons sjukdom`` / ``Wilson disease``)
0.95   the same words in another order (``maladie de Wilson``)
0.9    the same number of words, spelt nearly alike (one or two letters), same numbers
0.85   the title's words are the name's plus descriptive words only (hereditär, typ,
       ospecificerad/UNS): ``Muskeldystrofi, hereditär, typ Duchenne`` / Duchenne muscular
       dystrophy
0.8    the title is the name followed by a qualifier: a clause after a comma or after
       med/utan/vid/hos/orsakad/… (with/without/due to/in/mit/bei … in other languages),
       or a trailing ``typ N``/number (``Cystisk fibros med
       lungmanifestationer`` / Cystic fibrosis): a subdivision of the disease
=====  ==============================================================================

A title starting with annan/andra/övrig (other) never names a disease: it is what is left
after the named ones. The scores say how closely the words agree, not that a release states
the pair: a lexical match is evidence, never a mapping relation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from .textnorm import strip_brackets, tokens

__all__ = ["LEXICON", "NameMatch", "disease_key", "match_names", "names_same_disease"]

EXACT, REORDERED, SPELLING, DESCRIBED, QUALIFIED = 1.0, 0.95, 0.9, 0.85, 0.8

# normalised word (lookup's tokens) → the English word it stands for
LEXICON: dict[str, str] = {
    # disease, syndrome
    "sjukdom": "disease", "sjukdomar": "disease", "maladie": "disease", "krankheit": "disease",
    "erkrankung": "disease", "morbus": "disease", "disorder": "disease",
    "syndrom": "syndrome", "syndromet": "syndrome",
    # congenital, hereditary, familial, acquired
    "medfodd": "congenital", "medfodda": "congenital", "medfott": "congenital", "angeboren": "congenital",
    "angeborene": "congenital", "angeborener": "congenital", "kongenital": "congenital", "kongenitala": "congenital",
    "congenitale": "congenital", "congenitaux": "congenital",
    "arftlig": "hereditary", "arftliga": "hereditary", "hereditar": "hereditary", "hereditara": "hereditary",
    "hereditaire": "hereditary", "erblich": "hereditary", "erbliche": "hereditary",
    "familjar": "familial", "familjara": "familial", "familiar": "familial", "familiare": "familial",
    "forvarvad": "acquired", "forvarvade": "acquired", "erworben": "acquired", "erworbene": "acquired",
    "acquise": "acquired",
    # type, form, deficiency
    "typ": "type", "typus": "type", "subtyp": "subtype",
    "brist": "deficiency", "mangel": "deficiency", "deficit": "deficiency", "defizienz": "deficiency",
    # connectives
    "och": "and", "und": "and", "et": "and", "med": "with", "mit": "with", "avec": "with",
    "utan": "without", "ohne": "without", "sans": "without",
    # age of onset, course, extent
    "akut": "acute", "akuta": "acute", "subakut": "subacute", "subakuta": "subacute", "akute": "acute",
    "subakute": "subacute", "aigue": "acute",
    "vuxen": "adult", "vuxna": "adult", "adulte": "adult", "barn": "childhood", "sen": "late", "tidig": "early",
    "ospecificerad": "unspecified", "ospecificerade": "unspecified", "uns": "unspecified", "nos": "unspecified",
    "nicht": "not", "ej": "not", "icke": "not",
    # body parts that head Swedish compounds (see COMPOUND_HEADS)
    "muskel": "muscular", "muscle": "muscular", "muskular": "muscular", "muskulare": "muscular",
    "muskularen": "muscular", "musculaire": "muscular",
    "hjarta": "heart", "hjart": "heart", "lever": "liver", "njure": "kidney", "njur": "kidney",
    "alfa": "alpha", "lunga": "lung", "hud": "skin", "blod": "blood", "hjarna": "brain", "hjarn": "brain",
}
# filler words dropped from every name
STOPWORDS = frozenset({
    "of", "the", "de", "du", "des", "d", "l", "la", "le", "les", "der", "die", "das", "dem", "den", "des", "vom",
    "von", "av", "i", "in", "a", "an", "en", "ett",
} - {"a"})  # "a" stays: haemophilia A
# Swedish compounds split after these heads ("muskeldystrofi" → "muskel" + "dystrofi")
COMPOUND_HEADS = ("muskel", "hjart", "lever", "njur", "hjarn", "alfa", "alpha", "beta", "gamma", "delta")
# words that describe without narrowing: a title may carry them beside the name
DESCRIPTIVE = frozenset({"type", "hereditary", "unspecified", "form"})
# a title starting with these names the rest of a group, never a disease
_OTHER = frozenset({"annan", "annat", "andra", "ovrig", "ovriga", "other", "autre", "autres", "andere", "sonstige"})
# a qualifier starts after a comma or at one of these words (folded)
_QUALIFIER_WORDS = ("med", "utan", "vid", "hos", "orsakad", "orsakade", "under", "efter", "i samband med",
                    "som", "uns", "ospecificerad", "ospecificerade", "typ",
                    "with", "without", "due to", "in", "unspecified", "nos", "type",  # WHO ICD-10/ICD-11 titles
                    "mit", "ohne", "bei", "avec", "sans")
_QUALIFIER = re.compile(r",|\b(?:" + "|".join(re.escape(w) for w in _QUALIFIER_WORDS) + r")\b|\s\d", re.IGNORECASE)

_SPELLING = (("ph", "f"), ("th", "t"), ("ae", "e"), ("oe", "e"), ("ou", "o"), ("c", "k"), ("z", "k"), ("y", "i"),
             ("w", "v"))
_ENDINGS = (("osi", "o"), ("ose", "o"), ("iti", "it"), ("ite", "it"), ("ikal", "ik"), ("isch", "ik"), ("ique", "ik"),
            ("isk", "ik"), ("iske", "ik"), ("ari", "ar"), ("ia", "i"), ("ie", "i"))
_DOUBLE = re.compile(r"([a-z])\1+")
_SKELETON_STOPWORDS: frozenset[str] = frozenset()  # the stopwords as spelt by _skeleton (filled below)


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A title naming a disease: the score (see the module docstring) and the part of the title
    that names it (the whole title, or the title before its qualifier)."""

    score: float
    title_part: str


@lru_cache(maxsize=1 << 16)  # words recur across names: "sjukdom", "syndrome", "medfödd" ...
def _skeleton(word: str) -> str:
    if word.isdigit():
        return word
    for _ in range(4):  # until nothing changes: the key is a fixed point
        before = word
        for old, new in _SPELLING:
            word = word.replace(old, new)
        word = _DOUBLE.sub(r"\1", word)
        if len(word) >= 5:
            for old, new in _ENDINGS:
                if word.endswith(old):
                    word = word[: -len(old)] + new
                    break
            else:
                if word.endswith("e") and len(word) >= 6:
                    word = word[:-1]
        if word == before:
            break
    if len(word) >= 5 and word[-1] == "s" and word[-2] != "s" and word.isalpha():
        # lookup's tokens() would drop this -s as a genitive when the key is normalised again
        # ("transverse" → "transvers"); written double it survives, so the key is a fixed point
        word += "s"
    return word


def _split_compound(word: str) -> list[str]:
    for head in COMPOUND_HEADS:
        if word.startswith(head) and len(word) - len(head) >= 4 and word != head:
            return [head, word[len(head):]]
    return [word]


def _key_once(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for tok in tokens(text):
        for word in _split_compound(tok) if tok not in LEXICON else [tok]:
            word = LEXICON.get(word, word)
            if word in STOPWORDS:
                continue
            word = _skeleton(word)
            if word and word not in STOPWORDS and word not in _SKELETON_STOPWORDS:
                out.append(word)
    return tuple(out)


@lru_cache(maxsize=65536)
def disease_key(text: str) -> tuple[str, ...]:
    """The words of ``text`` after lookup's normalisation and the rules of the module
    docstring: names of one disease in Swedish, English, German or French give the same key.
    Idempotent: the key of the key's words is the key."""
    key = _key_once(text)
    for _ in range(4):
        again = _key_once(" ".join(key))
        if again == key:
            break
        key = again
    return key


_SKELETON_STOPWORDS = frozenset(_skeleton(w) for w in STOPWORDS) - {"a"}
_DESCRIPTIVE_KEYS = frozenset(_skeleton(w) for w in DESCRIPTIVE)
_OTHER_KEYS = frozenset(_skeleton(LEXICON.get(w, w)) for w in _OTHER)


def _numbers(key: tuple[str, ...]) -> set[str]:
    return {w for w in key if w.isdigit()}


def _compare(title: tuple[str, ...], name: tuple[str, ...]) -> float | None:
    """Score of two disease keys without qualifiers: exact, reordered or nearly alike."""
    if not title or not name:
        return None
    if title == name:
        return EXACT
    if sorted(title) == sorted(name):
        return REORDERED
    if len(title) == len(name) and _numbers(title) == _numbers(name):
        a, b = " ".join(title), " ".join(name)
        if min(len(a), len(b)) >= 8 and fuzz.ratio(a, b) >= 92 and all(
                fuzz.ratio(x, y) >= 75 for x, y in zip(sorted(title), sorted(name))):
            return SPELLING
    return None


def match_names(title: str, name: str) -> NameMatch | None:
    """How well ``title`` (an ICD-10-SE title) names the disease called ``name`` (any language);
    ``None`` when it does not (see the module docstring for the scale)."""
    bare = strip_brackets(title) or title
    name_key = disease_key(strip_brackets(name) or name)
    title_key = disease_key(bare)
    if not name_key or not title_key or title_key[0] in _OTHER_KEYS:
        return None
    score = _compare(title_key, name_key)
    if score is not None:
        return NameMatch(score, bare)
    # the title's words are the name's plus words that only describe it
    extra = list(title_key)
    for word in name_key:
        if word in extra:
            extra.remove(word)
        else:
            extra = []
            break
    if extra and len(extra) < len(title_key) and all(w in _DESCRIPTIVE_KEYS for w in extra):
        return NameMatch(DESCRIBED, bare)
    # the title is the name followed by a qualifier
    for m in _QUALIFIER.finditer(bare):
        core = bare[: m.start()].strip(" ,")
        if not core:
            continue
        core_key = disease_key(core)
        if core_key and core_key[0] not in _OTHER_KEYS and _compare(core_key, name_key) in (EXACT, REORDERED, SPELLING):
            return NameMatch(QUALIFIED, core)
        break  # only the first qualifier boundary: "X med Y" names X, never a shorter part of it
    return None


def names_same_disease(title_sv: str, name: str, lang: str = "") -> float | None:
    """Score (0.8–1.0, see the module docstring) that the Swedish title ``title_sv`` names the
    disease called ``name``; ``None`` when it does not. ``lang`` is the name's language (the
    rules cover Swedish, English, German and French alike; it is accepted for the record)."""
    found = match_names(title_sv, name)
    return found.score if found is not None else None
