"""Tracker implementations."""
