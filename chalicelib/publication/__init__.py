"""Forwarding to the publication site: the stream trigger that publishes what counts now per
municipality and cycle, the feed document and its HTML report, the privacy rule for scores,
the targets (S3, signed webhook), where each object lives, and the reconciler that repairs a
feed which drifted from what counts, and the replay of the forward failure queue on top of
it. No pages."""
