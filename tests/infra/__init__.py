"""Tests of the deployable stack and its deployment, without AWS."""
