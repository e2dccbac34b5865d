"""Tests of workers.detectors."""
