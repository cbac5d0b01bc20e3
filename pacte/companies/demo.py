"""The demo's industrial universe: a synthetic SIRENE extract of the territory's communes, imported as a real one.

[Illustration] No real register is shipped: the establishments, their names and sizes are generated (real INSEE
columns, realistic distributions), so the demo's "univers industriel" and computed key figures are not Rochefort's.
"""

import tempfile

from .sirene import sirene_import, territory_communes
from .synthetic import write_stock

DEMO_ROWS = 40_000
DEMO_LOCAL_SHARE = 0.45  # about 18,000 rows in the perimeter, some 240 industrial employers (the source: 260)


def sirene_demo_load(*, territory):
    """Import a synthetic extract for the territory (idempotent: the same stock month imports nothing new)."""
    communes = sorted(set(territory_communes(territory).values()))
    with tempfile.TemporaryDirectory(prefix="pacte-sirene-demo-") as directory:
        establishments, units = write_stock(
            directory, rows=DEMO_ROWS, communes=communes, local_share=DEMO_LOCAL_SHARE, stock_month="2024-11", seed=17
        )
        return sirene_import(
            territory=territory,
            establishments_path=str(establishments),
            units_path=str(units) if units else None,
            stock_month="2024-11",
        )
