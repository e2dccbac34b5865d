"""Simulated cameras for demos and tests: real clips (or generated scenes) as live streams."""
