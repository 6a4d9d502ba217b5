"""Tests of people, registration, personal links, sessions, mail."""
