"""French company identifiers: SIREN (9 digits) and SIRET (SIREN + 5-digit NIC).

python-stdnum checks the format and the Luhn key (and La Poste's own rule for its SIRET); a string of zeros passes
the Luhn test, as would any number whose digits are all zero, so it is refused here: INSEE never allots it. The same
for a SIRET whose establishment number (NIC) is 00000.
"""

from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret


def siren_compact(value: str) -> str:
    return _siren.compact(value or "")


def siren_is_valid(value: str) -> bool:
    value = siren_compact(value)
    return _siren.is_valid(value) and value.strip("0") != ""


def siret_is_valid(value: str) -> bool:
    value = _siret.compact(value or "")
    return _siret.is_valid(value) and siren_is_valid(value[:9]) and value[9:].strip("0") != ""
