"""Phone numbers as roaming protocols publish them: international form, ``+`` and digits.

Our schemas accept phones as people type them (``+386 1 234-5678``, ``00386 (1) 2345678``);
a partner's driver may call from anywhere, so what a protocol publishes is the
international form only: separators dropped, a leading ``00`` read as ``+``, then ``+``
and 5 to 15 digits (ITU-T E.164).  That is at most 16 characters, so it also fits OCPI's
CiString(25) ``help_phone``.  OICP's ``HotlinePhoneNumber`` and OCPI 2.3.0's
``help_phone`` share this one rule.
"""

from __future__ import annotations

__all__ = ["international_phone"]

_SEPARATORS = frozenset(" -./()\t")


def international_phone(*candidates: str | None) -> str | None:
    """The first candidate in international form (``+38612345678``) after normalizing;
    ``None`` when none is (empty, or a national number such as ``01 234 5678``)."""
    for raw in candidates:
        if not raw:
            continue
        text = "".join(ch for ch in raw if ch not in _SEPARATORS)
        if text.startswith("00"):
            text = "+" + text[2:]
        digits = text[1:]
        if (text.startswith("+") and digits.isascii() and digits.isdigit()
                and 5 <= len(digits) <= 15):
            return text
    return None
