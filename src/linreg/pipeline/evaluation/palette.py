"""The figures' colours, for the static figures and their interactive twins alike.

Apart from ``figures`` so that the report's cells get the colours without loading pyplot.
"""

from __future__ import annotations

import matplotlib
from matplotlib.colors import to_hex

GREY = "#b0b0b0"  # "true β = 0" or "other features": never one of PALETTE's
_TAB10 = matplotlib.colormaps["tab10"].colors  # type: ignore[attr-defined]
_DARK2 = matplotlib.colormaps["Dark2"].colors  # type: ignore[attr-defined]
PALETTE = [c for k, c in enumerate(_TAB10) if k != 7] + list(_DARK2)  # no grey: grey means "true β = 0"
PALETTE_HEX = [to_hex(c) for c in PALETTE]
