"""Forwarding to the publication site: the stream trigger that publishes what counts now per
municipality and cycle, the feed document and its HTML report, the privacy rule for scores,
and the targets (S3, signed webhook). No pages."""
