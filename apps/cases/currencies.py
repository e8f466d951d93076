"""ISO 4217 currency codes in use today, with names from Babel's CLDR data."""

from babel.numbers import list_currencies

# Codes Babel still lists that ISO 4217 has withdrawn or that are not money.
_NOT_CURRENT = {
    "ADP", "AFA", "ALK", "AOK", "AON", "AOR", "ARA", "ARL", "ARM", "ARP", "ATS", "AZM", "BAD",
    "BAN", "BEC", "BEF", "BEL", "BGL", "BGM", "BGO", "BOL", "BOP", "BRB", "BRC", "BRE", "BRN",
    "BRR", "BRZ", "BUK", "BYB", "BYR", "CNH", "CNX", "CSD", "CSK", "CYP", "DDM", "DEM", "ECS",
    "ECV", "EEK", "ESA", "ESB", "ESP", "FIM", "FRF", "GEK", "GHC", "GNS", "GQE", "GRD", "GWE",
    "GWP", "HRD", "HRK", "IEP", "ILP", "ILR", "ISJ", "ITL", "KRH", "KRO", "LTL", "LTT", "LUC",
    "LUF", "LUL", "LVL", "LVR", "MAF", "MCF", "MDC", "MGF", "MKN", "MLF", "MRO", "MTL", "MTP",
    "MVP", "MXP", "MZE", "MZM", "NIC", "NLG", "PEI", "PES", "PLZ", "PTE", "RHD", "ROL", "RUR",
    "SDD", "SDP", "SIT", "SKK", "SLL", "SRG", "STD", "SUR", "TJR", "TMM", "TPE", "TRL", "UAK",
    "UGS", "USS", "UYP", "VEB", "VEF", "VNN", "XEU", "XFO", "XFU", "XRE", "YDD", "YUD", "YUM",
    "YUN", "YUR", "ZAL", "ZMK", "ZRN", "ZRZ", "ZWD", "ZWL", "ZWR", "XAG", "XAU", "XBA", "XBB",
    "XBC", "XBD", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX", "BOV", "CHE", "CHW", "CLF", "COU",
    "MXV", "USN", "UYI", "UYW", "XDR",
}  # fmt: skip

CURRENCY_CODES = tuple(sorted(code for code in list_currencies() if code not in _NOT_CURRENT))


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in CURRENCY_CODES]
