"""Filling in the questionnaire: definitions as versioned data per instrument and cycle
(`data/<instrument>/<cycle>.json`), validation of answers exactly as typed, how answers read,
drafts with per-section optimistic locking, input kept after a session ended, and the journey
(who may open which municipality's draft, progress, where to resume). Pages:
`questionnaire/pages.py` (one section per page, conflicts, reset)."""
