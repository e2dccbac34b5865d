"""Read images and videos for the detect/eval commands, with a clear error per bad file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"}
MAX_PIXELS = 50_000_000


class MediaError(ValueError):
    """A file cannot be read as an image or a video."""


def read_image(path: Path, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """An image as decoded (any depth and channel count); raises `MediaError`."""
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    data = np.fromfile(str(path), dtype=np.uint8)
    if not data.size:
        raise MediaError(f"{path}: empty file")
    try:
        image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    except cv2.error as err:  # e.g. beyond OpenCV's own pixel limit
        raise MediaError(f"{path}: cannot decode: {err}") from err
    if image is None or image.size == 0:
        raise MediaError(f"{path}: not a readable image (corrupt, truncated or unknown format)")
    if image.shape[0] * image.shape[1] > max_pixels:
        raise MediaError(f"{path}: {image.shape[1]}x{image.shape[0]} exceeds {max_pixels} pixels")
    return image


def iter_frames(path: Path, every: int = 1) -> Iterator[tuple[int, np.ndarray]]:
    """``(frame index, frame)`` pairs of a video (or of a single image, frame 0)."""
    if path.suffix.lower() in IMAGE_SUFFIXES:
        yield 0, read_image(path)
        return
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise MediaError(f"{path}: not a readable video or image")
        index = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if index % every == 0:
                yield index, frame
            index += 1
        if index == 0:
            raise MediaError(f"{path}: no decodable frames")
    finally:
        cap.release()
