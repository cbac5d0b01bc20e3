"""What the companies app announces to the apps above it (which it must not import).

`memberships_changed(territory=…)`: a company started or ended its membership; the indicators app recomputes the
territory's collective values (their coverage counts the companies that were members in each year). Sent inside
the transaction that changed the membership, so that both commit or neither.
"""

from django.dispatch import Signal

memberships_changed = Signal()
