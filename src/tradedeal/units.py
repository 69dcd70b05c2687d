"""Figures in sentences: dollars as a reader writes them (``$93.65bn``, ``−$2.67bn``).

The lowest layer, so that models, the agreement and the reports write money one way.
"""

from __future__ import annotations

MINUS = "\u2212"  # a typographic minus: −2.67, not -2.67


def usd_bn(value: float, *, sign: bool = False) -> str:
    """Dollars as ``$93.65bn`` (``−$2.67bn``; ``+$1.20bn`` with ``sign``) for sentences."""
    text = f"${abs(value) / 1e9:,.2f}bn"
    if value < 0:
        return MINUS + text
    return ("+" + text) if sign and value > 0 else text
