"""Tests of the local runner and its stream pump."""
