"""Detector and pose plugins, one module per key (see workers.detectors.registry)."""
