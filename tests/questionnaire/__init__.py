"""Tests of definitions, answers, pages, the shared draft, the privacy rule."""
