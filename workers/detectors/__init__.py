"""Person detection and pose plugins on OpenVINO; see base.py for the interface."""

from workers.detectors.base import Detection, Detector, DetectorConfig, Keypoints, PoseEstimator

__all__ = ["Detection", "Detector", "DetectorConfig", "Keypoints", "PoseEstimator"]
