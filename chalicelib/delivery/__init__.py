"""Sending and what follows: the sending window, the immutable snapshot, sending exactly once
per draft version, receipts, a municipality's history and the delivery that counts, and the
helpdesk's withdraw/restore of a delivery. Pages: `delivery/pages.py` (check your answers,
send, confirmation, start from an earlier delivery)."""
