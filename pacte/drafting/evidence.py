"""From evidence to text: the sources behind each commitment (interview ideas, findings, post-its)."""


def evidence_summaries(*, territory) -> dict[int, str]:
    """{commitment id: what stands behind it, in words ("3 entretiens, 5 post-its, 1 veto levé")}."""
    return {}
