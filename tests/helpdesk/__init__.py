"""Tests of the helpdesk's pages, actions, search, season and reminders."""
