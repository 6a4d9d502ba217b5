"""Tests of sending, viewing a delivery, four-eyes, sending windows."""
