"""Tests of records, AWS clients, configuration."""
