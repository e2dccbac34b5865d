"""Fixtures of the cameras tests."""

from tests.backend.video_redis import video_redis  # noqa: F401 (the test video Redis, database 5)
