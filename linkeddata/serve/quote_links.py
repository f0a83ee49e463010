"""Links that take a reader to a fact's exact words: in the original article and in the archived text.

- The original article gets a URL text fragment (`#:~:text=`, WICG Text Fragments): the quote,
  percent-encoded with `-`, `,` and `&` escaped as the syntax needs, and, when the quote occurs more
  than once in the text, the whole words just before and after it as `prefix-,` and `,-suffix`.
- The archived text gets an RFC 5147 fragment, `#char=start,end` in code points, which the text's
  page highlights (a browser does not highlight text/plain by itself).
"""

from __future__ import annotations

from urllib.parse import quote

CONTEXT_WORDS = 3


def _encode(text: str) -> str:
    # quote() leaves '-' alone (unreserved), but a text fragment reads it as the prefix/suffix marker.
    return quote(text, safe="").replace("-", "%2D")


def _whole_words(text: str, last: bool) -> str:
    """Return up to CONTEXT_WORDS whole words at the end (last=True) or start of `text`, dropping a cut word."""
    words = text.split()
    if not words:
        return ""
    if last:
        if not text[0].isspace() and len(words) > 1:
            words = words[1:]  # the selector's prefix may begin inside a word
        return " ".join(words[-CONTEXT_WORDS:])
    if not text[-1].isspace() and len(words) > 1:
        words = words[:-1]
    return " ".join(words[:CONTEXT_WORDS])


def text_fragment(exact: str, prefix: str, suffix: str, occurrences: int) -> str:
    """Return the `#:~:text=` fragment that selects the quote in its original article."""
    parts = [_encode(" ".join(exact.split()))]
    if occurrences > 1:
        before, after = _whole_words(prefix, last=True), _whole_words(suffix, last=False)
        if before:
            parts.insert(0, _encode(before) + "-")
        if after:
            parts.append("-" + _encode(after))
    return "#:~:text=" + ",".join(parts)


def char_fragment(start: int, end: int) -> str:
    """Return the RFC 5147 fragment of a quote in the archived text (code points, end exclusive)."""
    return f"#char={start},{end}"
