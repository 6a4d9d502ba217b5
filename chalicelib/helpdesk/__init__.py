"""The helpdesk: Cognito sign-in, look-ups, withdraw/restore, link and membership actions
(each with its audit entries in the same transaction), the append-only audit trail, the
national export and a CLI on the same functions. Pages: `helpdesk/pages.py`."""
