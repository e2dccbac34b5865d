"""Tests of workers.models."""
