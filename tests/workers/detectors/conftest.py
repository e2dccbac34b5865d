"""Real models (fetched and cached like `python -m workers models fetch`) and real photos."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shared_data import shared_path
from workers.detectors.base import Detector, PoseEstimator
from workers.detectors.evaluation import Sample, load_pedestrians
from workers.detectors.registry import create_detector, create_pose_estimator


@pytest.fixture(scope="session")
def pedestrians_dir() -> Path:
    return shared_path("footage/pedestrians")


@pytest.fixture(scope="session")
def pedestrian_samples(pedestrians_dir: Path) -> list[Sample]:
    return load_pedestrians(pedestrians_dir)


@pytest.fixture(scope="session")
def ssd_int8() -> Iterator[Detector]:
    detector = create_detector("person", {"precision": "INT8", "num_threads": 2})
    yield detector
    detector.close()


@pytest.fixture(scope="session")
def ssd_fp32() -> Iterator[Detector]:
    detector = create_detector("person", {"precision": "FP32", "num_threads": 2})
    yield detector
    detector.close()


@pytest.fixture(scope="session")
def pose() -> Iterator[PoseEstimator]:
    estimator = create_pose_estimator("pose", {"num_threads": 2})
    yield estimator
    estimator.close()
