"""Tests of headers, cookies and hostile input on every route."""
