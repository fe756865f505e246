"""Text normalisation for diagnosis names in Swedish, English (and German, French).

:func:`normalise` turns a name into the key the search index matches on. Display text is never
normalised; the key only decides what matches. The key is idempotent and ASCII-folded:

- case, punctuation and hyphens: ``"Charcot-Marie-Tooth"`` → ``"charcot marie tooth"``
- apostrophes vanish and a genitive or plural ``-s`` is dropped from words of five or more
  letters, so ``Crohn's``, ``Crohns`` and ``Crohn`` all give ``crohn`` and ``Marfans syndrom``
  gives ``marfan syndrom``
- å, ä, ö and every other diacritic fold to the base letter (``Strålcystit`` → ``stralcystit``),
  ß → ss, æ → ae, ø → o
- Greek letters become their names, and the Swedish spelling ``alfa`` becomes ``alpha``
- roman numerals become arabic (``type II`` → ``type 2``); a single-letter numeral (I, V, X) only
  after a word such as type/typ/grade/factor, so ``fragile X`` keeps its X
- digits are split from letters (``MODY3`` → ``mody 3``)
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["gram_keys", "normalise", "permutation_key", "strip_brackets", "tokens"]

_APOSTROPHES = "'’‘`´ʼʹ′ʻ"
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi",
    "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
_LETTERS = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ı": "i", "ħ": "h", "ŀ": "l"}
_WORDS = {"alfa": "alpha"}

# words after which a lone I, V or X is a numeral ("typ I", "factor V", "type X")
_NUMBERED = frozenset({
    "type", "typ", "typu", "subtype", "subtyp", "grade", "grad", "stage", "stadium", "stadie", "class",
    "klass", "factor", "faktor", "phase", "fas", "group", "grupp", "level", "niva", "degree", "form",
    "variant", "chapter", "kapitel", "part", "del", "complex", "komplex", "collagen", "kollagen",
})


def _roman_numerals(limit: int = 39) -> dict[str, str]:
    units = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"]
    return {"x" * (n // 10) + units[n % 10]: str(n) for n in range(1, limit + 1)}


_ROMAN = _roman_numerals()
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_BRACKETS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")


def _fold_once(text: str) -> str:
    out = []
    for ch in text:
        if ch in _APOSTROPHES:
            continue
        low = ch.casefold()
        if low in _GREEK:
            out.append(f" {_GREEK[low]} ")
            continue
        if low in _LETTERS:
            out.append(_LETTERS[low])
            continue
        for part in unicodedata.normalize("NFKD", low):
            if unicodedata.combining(part):
                continue
            if part.isdigit() and unicodedata.decimal(part, None) is not None:
                out.append(str(unicodedata.decimal(part)))
            elif part.isalnum():
                out.append(part)  # a Greek or special letter left here is mapped on the next pass
            else:
                out.append(" ")
    return "".join(out)


class _FoldTable(dict):
    """``str.translate`` table that folds each character once and remembers the answer."""

    def __missing__(self, code: int) -> str:
        text = chr(code)
        for _ in range(4):  # compatibility decompositions can need a second pass (e.g. ϐ → β → beta)
            folded = _fold_once(text)
            if folded == text:
                break
            text = folded
        self[code] = text
        return text


_FOLD = _FoldTable()
for _code in range(128):
    _c = chr(_code)
    _FOLD[_code] = "" if _c in _APOSTROPHES else (_c.lower() if _c.isalnum() else " ")


def tokens(text: str) -> list[str]:
    """The normalised words of ``text`` (see the module docstring)."""
    folded = _DIGIT_LETTER.sub(" ", text.translate(_FOLD))
    out: list[str] = []
    prev = ""
    for tok in folded.split():
        if len(tok) >= 5 and tok[-1] == "s" and tok[-2] != "s" and tok.isalpha():
            tok = tok[:-1]
        tok = _WORDS.get(tok, tok)
        number = _ROMAN.get(tok)
        if number is not None and (len(tok) > 1 or prev in _NUMBERED):
            tok = number
        out.append(tok)
        prev = tok
    return out


def normalise(text: str) -> str:
    """The matching key of a name: folded, tokenised and joined by single spaces."""
    return " ".join(tokens(text))


def permutation_key(norm: str) -> str:
    """Word-order-free key of a normalised name (``"syndrome marfan"`` = ``"marfan syndrome"``)."""
    return " ".join(sorted(norm.split()))


def strip_brackets(text: str) -> str:
    """``text`` without parenthesised or bracketed parts (``"Cystit (blåskatarr)"`` → ``"Cystit"``)."""
    return _BRACKETS.sub("", text).strip()


def gram_keys(norm: str) -> set[int]:
    """Character trigrams of each word of a normalised name, padded with a space on both sides,
    packed into one integer each (three code points of 21 bits)."""
    keys: set[int] = set()
    for tok in norm.split():
        padded = f" {tok} "
        for i in range(len(padded) - 2):
            keys.add((ord(padded[i]) << 42) | (ord(padded[i + 1]) << 21) | ord(padded[i + 2]))
    return keys
