"""Camera streams: decode with OpenCV (FFmpeg backend), sample at detect fps, motion gate."""

from workers.stream.decode import Frame, StreamConfig, StreamStatus, VideoStream
from workers.stream.sampling import FpsSampler, GateStats, MotionGate, MotionGateConfig

__all__ = [
    "FpsSampler",
    "Frame",
    "GateStats",
    "MotionGate",
    "MotionGateConfig",
    "StreamConfig",
    "StreamStatus",
    "VideoStream",
]
