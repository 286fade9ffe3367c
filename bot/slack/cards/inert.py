"""Data that must sit in mrkdwn, made inert: it can't format, make emoji, quote or reorder text.

Escaping `&`, `<` and `>` stops mentions and links, but Slack's mrkdwn still gives meaning to
`*bold*`, `_italic_`, `~strike~`, `` `code` ``, `:emoji:` and a leading `>` (a quote), and
bidirectional controls (U+202E…) reorder whatever follows them. `verbatim: true` does not help:
it only stops auto-linking of URLs, channels and mentions.

Slack offers no escape for these characters, so each marker character in data is replaced with
a lookalike that mrkdwn gives no meaning to. We considered and rejected:

- inserting a zero-width space next to a marker: Slack treats it as a word boundary, which is
  how jsx-slack *forces* formatting in "exact mode" (yhatt/jsx-slack,
  docs/about-escape-and-exact-mode.md); it would make more data bold, not less;
- jsx-slack's other trick, wrapping each marker in a date token with an invalid format so that
  its fallback is shown: it relies on undocumented client behaviour, costs ~22 characters per
  marker of the 3,000 a text may hold, and shows as garbage wherever tokens aren't rendered.

A lookalike leaves nothing for any mrkdwn parser to act on, whatever its rules, and reads the
same. The cost is that copying such a value yields the lookalike; so `_`, which ids and keys are
full of (`u_jane_001`, `ga_client_id`), is kept between two ASCII letters or digits: Slack only
formats at word boundaries ("Super_cali_fragilistic" stays literal, as jsx-slack documents),
and our templates never put a marker right next to data that way. A colon is replaced only
where it could open an `:emoji:`, closed by a later colon in the data or by one our template
adds right after it ("{key}: {value}"): "x:smile:" and "x:smile" become "x∶smile:" and
"x∶smile", a time "14:03" becomes "14∶03", but "email:jane@example.com" and "re: x" stay.

Where a whole text object is data, cards use plain_text instead (the header, the identifier
echoed back), which needs none of this but the bidi removal. Trait fields stay mrkdwn although
Block Kit allows plain_text fields: each holds our bold label and, for dates, a date token that
Slack shows in the viewer's own time zone, neither of which plain_text can carry.
"""

from __future__ import annotations

import re

__all__ = ["BIDI_CONTROLS", "LOOKALIKES", "inert", "strip_bidi"]

# Embeddings/overrides, isolates, marks (LRM, RLM, ALM): they reorder the text after them.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
LOOKALIKES = {
    "*": "\u2217",  # ∗ ASTERISK OPERATOR
    "~": "\u223c",  # ∼ TILDE OPERATOR
    "`": "\u02cb",  # ˋ MODIFIER LETTER GRAVE ACCENT
    "_": "\u02cd",  # ˍ MODIFIER LETTER LOW MACRON
    ":": "\u2236",  # ∶ RATIO
    ">": "\u02c3",  # ˃ MODIFIER LETTER RIGHT ARROWHEAD (only where it would start a quote)
}
_ALWAYS = re.compile(r"[*~`]")
# An underscore not between two ASCII letters or digits (data ends count as boundaries).
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# A colon that opens a name run (the characters an emoji name may hold, in any script) closed
# by another colon, or by the end of the data when a template's colon may follow it.
_OPENING_COLON = re.compile(r":(?=[\w+'-]+(?::|\Z))")
_OPENING_COLON_INSIDE = re.compile(r":(?=[\w+'-]+:)")
_QUOTE = re.compile(r"(^|\n)([ \t]*)>")
# Anything at all for `inert` to do: most values have none of these and are returned as they are.
_ANY_MARKER = re.compile(f"[*~`_:>{BIDI_CONTROLS}]")


def strip_bidi(text: str) -> str:
    """`text` without bidirectional controls."""
    return _BIDI.sub("", text)


def inert(text: str, *, colon_may_follow: bool = True) -> str:
    """Raw data with every mrkdwn marker replaced by a lookalike (bidi controls removed).

    `&`, `<` and `>` are left for the caller's escaping, except a `>` that would start a quote.
    `colon_may_follow=False` promises that no template puts a colon right after this text (as
    for an identifier echoed in bold), so "phone:+4420…" keeps its colon.
    """
    if not _ANY_MARKER.search(text):
        return text
    text = _ALWAYS.sub(lambda m: LOOKALIKES[m.group(0)], strip_bidi(text))
    if "_" in text:
        text = _EDGE_UNDERSCORE.sub(LOOKALIKES["_"], text)
    if ":" in text:
        opening = _OPENING_COLON if colon_may_follow else _OPENING_COLON_INSIDE
        text = opening.sub(LOOKALIKES[":"], text)
    if ">" in text:
        text = _QUOTE.sub(lambda m: m.group(1) + m.group(2) + LOOKALIKES[">"], text)
    return text
