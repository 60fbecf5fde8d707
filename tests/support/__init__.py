"""Helpers shared by the tests of several features."""
