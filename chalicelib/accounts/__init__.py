"""Representatives and their access: registering (form, account transactions, held
registrations by e-mail domain), personal links and codes, the mails that carry them, rate
limits, who represents which municipality, and bounced addresses. Pages: `accounts/pages.py`
(registration, new link, following a link, the start page, signing out)."""
