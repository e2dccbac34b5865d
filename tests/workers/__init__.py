"""Tests of workers/ (mirrors the source tree)."""
