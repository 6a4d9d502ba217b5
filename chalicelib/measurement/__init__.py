"""Measurement ("meting"): the collecting half. A municipality sets up a measurement of the
client questionnaire (definitions as data in `data/<instrument>/clients-<version>.json`), with
periods, teams and channels; inviters send clients single-use invitations (sms, e-mail, a link
to copy, letters with QR codes) or open a generic link, a poster, a tablet (kiosk) or type a
paper form in; clients answer without an account, anonymously by construction (a response holds
measurement, period, channel, team, day and answers only). Contact data lives only in the
queued job that sends an invitation. Pages: management (`manage_pages`), inviters
(`inviter_pages`), clients (`client_pages`)."""
