"""Revision scripts (a package so they ship inside the wheel)."""
