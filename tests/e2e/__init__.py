"""Tests of the whole journey in a real browser."""
