"""Tests of the feed, its targets, the reconciler, replay, the reference site."""
