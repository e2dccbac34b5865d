"""Detector speed and accuracy on the same frames in one run (2-core CPU, shared machine).

Speeds state their precision. "model" rows time inference on already prepared tensors (the fair
OpenVINO vs ONNX Runtime comparison); "detect" rows time the whole call a pipeline makes
(resize, inference, box mapping). Frames: the Penn-Fudan photos when ../shared/data is present,
otherwise generated scenes (then accuracy rows are skipped).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import openvino as ov

from bench.__main__ import result

SECONDS = 3.0  # per timed configuration, split into interleaved rounds
ROUNDS = 5
THREADS = 2


def _time(fn: Callable[[], object], seconds: float = SECONDS, warmup: int = 3) -> float:
    """Mean seconds per call over about ``seconds`` of calls."""
    for _ in range(warmup):
        fn()
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        fn()
        calls += 1
    return (time.perf_counter() - started) / calls


def _compare(fns: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Seconds per call of each function: median over rounds that alternate between them, so
    load from other processes on the shared machine hits every configuration alike."""
    for fn in fns.values():
        _time(fn, seconds=0.2)
    rounds: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(ROUNDS):
        for key, fn in fns.items():
            rounds[key].append(_time(fn, seconds=SECONDS / ROUNDS, warmup=0))
    return {k: float(np.median(v)) for k, v in rounds.items()}


def _cycler(items: list[Any]) -> Callable[[], Any]:
    state = {"i": 0}

    def next_item() -> Any:
        state["i"] += 1
        return items[state["i"] % len(items)]

    return next_item


def _frames() -> tuple[list[np.ndarray], list[Any] | None, str]:
    from workers.detectors.evaluation import load_pedestrians
    from workers.models.calibration import synthetic_frames
    from workers.models.paths import footage_dir

    footage = footage_dir()
    if footage and (footage / "pedestrians" / "annotations.json").exists():
        samples = load_pedestrians(footage / "pedestrians")
        return [s.image for s in samples], samples, "Penn-Fudan photos"
    return synthetic_frames(20, seed=11), None, "generated frames"


def _compiled(name: str, variant: str, precision: str, hint: str) -> ov.CompiledModel:
    from workers.detectors.runtime import compile_model
    from workers.models import ensure_model

    return compile_model(
        ensure_model(name, variant).xml,  # type: ignore[arg-type]
        device="CPU",
        inference_precision=precision,
        performance_hint=hint,
        num_threads=THREADS if hint == "LATENCY" else 0,
    )


def _infer_fn(compiled: ov.CompiledModel, tensors: list[np.ndarray]) -> Callable[[], object]:
    request, tensor = compiled.create_infer_request(), _cycler(tensors)
    return lambda: request.infer({0: tensor()})


def _batch_fn(compiled: ov.CompiledModel, tensors: list[np.ndarray]) -> Callable[[], object]:
    """One call = all ``tensors`` through an AsyncInferQueue (throughput = len / seconds)."""
    queue = ov.AsyncInferQueue(
        compiled, int(compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
    )

    def run_all() -> None:
        for t in tensors:
            queue.start_async({0: t})
        queue.wait_all()

    return run_all


def _ssd_rows(frames: list[np.ndarray], source: str) -> list[dict]:
    from workers.detectors.registry import create_detector
    from workers.models.inputs import ssd_input

    rows = []
    tensors = [ssd_input(f) for f in frames[:32]]
    lat = _compare(
        {
            p: _infer_fn(_compiled("ssdlite", v, ip, "LATENCY"), tensors)
            for p, v, ip in (
                ("FP32", "fp32", "f32"),
                ("BF16", "fp32", "bf16"),
                ("INT8", "int8", "f32"),
                ("INT8+BF16", "int8", "bf16"),
            )
        }
    )
    for p in ("BF16", "INT8", "INT8+BF16"):
        rows.append(
            result(
                f"detectors.ssdlite.model_latency.{p.lower().replace('+', '_')}",
                lat[p] * 1000,
                "ms/frame",
                baseline="OpenVINO FP32 (same run)",
                baseline_value=lat["FP32"] * 1000,
                higher_is_better=False,
                notes=f"{p} OpenVINO (INT8+BF16: INT8 IR, other ops BF16), LATENCY hint, {THREADS} threads, 300x300, {source}",
            )
        )
    rows.append(
        result(
            "detectors.ssdlite.model_latency.fp32",
            lat["FP32"] * 1000,
            "ms/frame",
            notes=f"FP32 OpenVINO (INFERENCE_PRECISION_HINT=f32), LATENCY hint, {THREADS} threads",
        )
    )
    per_batch = _compare(
        {
            p: _batch_fn(_compiled("ssdlite", v, ip, "THROUGHPUT"), tensors)
            for p, v, ip in (("FP32", "fp32", "f32"), ("INT8", "int8", "f32"))
        }
    )
    fps = {p: len(tensors) / t for p, t in per_batch.items()}
    rows.append(
        result(
            "detectors.ssdlite.model_throughput.int8",
            fps["INT8"],
            "frames/s",
            baseline="OpenVINO FP32 THROUGHPUT (same run)",
            baseline_value=fps["FP32"],
            notes="INT8 OpenVINO, THROUGHPUT hint, AsyncInferQueue, prepared 300x300 tensors; "
            "target >= 150 frames/s",
        )
    )
    detectors = {
        p: create_detector("person", {"precision": p, "num_threads": THREADS})
        for p in ("FP32", "INT8")
    }
    frame = _cycler(frames)
    detect_lat = _compare({p: (lambda d=d: d.detect(frame())) for p, d in detectors.items()})
    rows.append(
        result(
            "detectors.ssdlite.detect_latency.int8",
            detect_lat["INT8"] * 1000,
            "ms/frame",
            baseline="detect() FP32",
            baseline_value=detect_lat["FP32"] * 1000,
            higher_is_better=False,
            notes=f"whole detect() call incl. resize and box mapping, {source}",
        )
    )
    batch_det = create_detector("person", {"precision": "INT8", "performance_hint": "THROUGHPUT"})
    batch = frames[:16]
    many = _compare(
        {
            "many": lambda: batch_det.detect_many(batch),
            "one": lambda: detectors["INT8"].detect(frame()),
        }
    )
    per_batch, one = many["many"], many["one"]
    batch_det.close()
    rows.append(
        result(
            "detectors.ssdlite.detect_many_throughput.int8",
            len(batch) / per_batch,
            "frames/s",
            baseline="detect() INT8 one frame at a time",
            baseline_value=1 / one,
            notes="detect_many over 16 frames (as for 16 cameras), AsyncInferQueue, "
            "THROUGHPUT hint, preprocessing in the calling thread",
        )
    )
    return rows


def _accuracy_rows(samples: list[Any]) -> list[dict]:
    from workers.cli.eval_detector import evaluate
    from workers.detectors.geometry import tile_grid
    from workers.models.paths import footage_dir

    root = footage_dir() / "pedestrians"  # type: ignore[operator]
    rows = []
    ap = {}
    for p in ("FP32", "INT8"):
        report, _ = evaluate("person", {"precision": p}, root)
        ap[p] = report
    f, q = ap["FP32"], ap["INT8"]
    rows.append(
        result(
            "detectors.ssdlite.ap50.int8",
            q.ap50,
            "AP@0.5",
            baseline="SSDLite FP32 AP@0.5",
            baseline_value=f.ap50,
            notes=f"{q.gt} people, 74 Penn-Fudan photos; at score>=0.5 INT8 P={q.precision:.3f} "
            f"R={q.recall:.3f}, FP32 P={f.precision:.3f} R={f.recall:.3f}",
        )
    )
    small: dict[str, Any] = {}
    for tiled in (False, True):
        config = {"precision": "INT8", "tiling": {"enabled": tiled}}
        report, seconds = evaluate("person", config, root, mosaic_grid=10)
        small[str(tiled)] = (report, seconds)
    (plain, t0), (tiles, t1) = small["False"], small["True"]
    under60 = next(r for r in tiles.by_size if r.bucket == "<60px").recall
    under60_plain = next(r for r in plain.by_size if r.bucket == "<60px").recall
    rows.append(
        result(
            "detectors.ssdlite.tiled_recall_small",
            tiles.recall,
            "recall",
            baseline="whole-frame recall (same frames)",
            baseline_value=plain.recall or None,
            notes=f"10x10 mosaics of the photos in 1920x1080 (people 25-120 px tall), score>=0.5; "
            f"<60 px recall {under60_plain:.3f} -> {under60:.3f}; whole-frame recall "
            f"{plain.recall:.3f} (ratio empty when it is 0); AP {plain.ap50:.3f} -> {tiles.ap50:.3f}",
        )
    )
    rows.append(
        result(
            "detectors.ssdlite.tiling_cost",
            t1 * 1000,
            "ms/frame",
            baseline="whole frame",
            baseline_value=t0 * 1000,
            higher_is_better=False,
            notes=f"INT8, 1920x1080, {len(tile_grid(1920, 1080, 256, 0.25))} tiles of 256 px "
            "(25% overlap) + the whole frame, merged by NMS",
        )
    )
    return rows


def _yolo_rows(frames: list[np.ndarray], source: str) -> list[dict]:
    import onnxruntime as ort

    from workers.models.inputs import yolo_input
    from workers.models.store import source_file, spec_of

    tensors = [yolo_input(f)[0] for f in frames[:8]]
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    onnx_file = source_file(spec_of("yolo_fall"))
    session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    tensor = _cycler(tensors)
    fns: dict[str, Callable[[], object]] = {
        p: _infer_fn(_compiled("yolo_fall", v, ip, "LATENCY"), tensors)
        for p, v, ip in (("FP32", "fp32", "f32"), ("BF16", "fp32", "bf16"), ("INT8", "int8", "f32"))
    }
    fns["ORT"] = lambda: session.run(None, {name: tensor()})
    lat = _compare(fns)
    ort_fp32 = lat["ORT"]
    notes = f"YOLOv8s 640x640 (optional fall model, AGPL-3.0), LATENCY, {THREADS} threads, {source}"
    rows = [
        result("detectors.yolo.model_latency.ort_fp32", ort_fp32 * 1000, "ms/frame", notes=notes),
        result(
            "detectors.yolo.model_latency.fp32_vs_ort",
            lat["FP32"] * 1000,
            "ms/frame",
            baseline="ONNX Runtime FP32",
            baseline_value=ort_fp32 * 1000,
            higher_is_better=False,
            notes="OpenVINO FP32; " + notes,
        ),
        result(
            "detectors.yolo.model_latency.bf16_vs_fp32",
            lat["BF16"] * 1000,
            "ms/frame",
            baseline="OpenVINO FP32",
            baseline_value=lat["FP32"] * 1000,
            higher_is_better=False,
            notes="OpenVINO BF16; " + notes,
        ),
        result(
            "detectors.yolo.model_latency.int8_vs_ort",
            lat["INT8"] * 1000,
            "ms/frame",
            baseline="ONNX Runtime FP32",
            baseline_value=ort_fp32 * 1000,
            higher_is_better=False,
            notes="OpenVINO INT8 (NNCF PTQ), target ratio >= 3; " + notes,
        ),
        result(
            "detectors.yolo.model_latency.int8_vs_fp32",
            lat["INT8"] * 1000,
            "ms/frame",
            baseline="OpenVINO FP32",
            baseline_value=lat["FP32"] * 1000,
            higher_is_better=False,
            notes="OpenVINO INT8 vs FP32, target ratio >= 2; " + notes,
        ),
    ]
    return rows


def _yolo_accuracy(samples: list[Any]) -> list[dict]:
    from workers.cli.eval_detector import evaluate
    from workers.models.paths import footage_dir

    root = footage_dir() / "pedestrians"  # type: ignore[operator]
    f, _ = evaluate("fall", {"precision": "FP32", "num_threads": THREADS}, root)
    q, _ = evaluate("fall", {"precision": "INT8", "num_threads": THREADS}, root)
    return [
        result(
            "detectors.yolo.ap50.int8",
            q.ap50,
            "AP@0.5",
            baseline="YOLOv8s FP32 AP@0.5",
            baseline_value=f.ap50,
            notes="class Normal reported as person; Penn-Fudan photos",
        )
    ]


def _pose_rows(frames: list[np.ndarray]) -> list[dict]:
    from workers.detectors.registry import create_pose_estimator

    frame = frames[0]
    h, w = frame.shape[:2]
    box = (w * 0.3, h * 0.2, w * 0.6, h * 0.9)
    estimators = {
        p: create_pose_estimator("pose", {"precision": p, "num_threads": THREADS})
        for p in ("FP32", "BF16")
    }
    lat = _compare({p: (lambda e=e: e.estimate(frame, box)) for p, e in estimators.items()})
    return [
        result(
            "detectors.pose.latency.bf16",
            lat["BF16"] * 1000,
            "ms/person",
            baseline="BlazePose full FP32",
            baseline_value=lat["FP32"] * 1000,
            higher_is_better=False,
            notes=f"crop + 256x256 landmark model + mapping, {THREADS} threads",
        )
    ]


def _clip_rows(frames: list[np.ndarray]) -> list[dict]:
    """The fight rule's clip model: one I3D pass over 10 frames at 320 rows (16:9 camera)."""
    import cv2

    from workers.detectors.action import ClipEmbedder, clip_input, rgb_frame
    from workers.rules.plugins.fight import FightConfig

    cfg = FightConfig()
    frame = cv2.resize(frames[0], (1280, 720))
    clip = clip_input([rgb_frame(frame, cfg.clip_height)] * cfg.clip_frames, cfg.clip_frames)
    embedders = {
        p: ClipEmbedder(precision=p, num_threads=THREADS) for p in ("FP32", "BF16", "INT8")
    }
    lat = _compare({p: (lambda e=e: e.features(clip)) for p, e in embedders.items()})
    notes = (
        f"I3D Kinetics-400, input {tuple(clip.shape)}, {THREADS} threads; the fight rule runs it "
        f"every {cfg.step_s:g} s while the motion gate sees movement"
    )
    return [
        result(
            f"detectors.i3d_clip.latency.{p.lower()}",
            lat[p] * 1000,
            "ms/clip",
            baseline="I3D FP32",
            baseline_value=lat["FP32"] * 1000,
            higher_is_better=False,
            notes=notes + ("; BF16 only where the CPU has it" if p == "BF16" else ""),
        )
        for p in ("BF16", "INT8")
    ]


def _face_blur_rows(frames: list[np.ndarray]) -> list[dict]:
    """Privacy blur of one stored frame: BlazeFace (whole frame + tiles) + head regions."""
    import cv2

    from workers.media import MediaConfig, blur_private, face_detector

    if face_detector(MediaConfig().face_min_score) is None:
        return []
    rows = []
    for width, height in ((1280, 720), (1920, 1080)):
        frame = cv2.resize(frames[0], (width, height))
        with_faces = MediaConfig()
        heads_only = MediaConfig(blur_faces=False)
        box = [(width * 0.3, height * 0.2, width * 0.45, height * 0.9)]
        lat = _compare(
            {
                "faces": lambda f=frame, b=box, c=with_faces: blur_private(f, b, c),
                "heads": lambda f=frame, b=box, c=heads_only: blur_private(f, b, c),
            }
        )
        rows.append(
            result(
                f"detectors.face_blur.latency.{height}p",
                lat["faces"] * 1000,
                "ms/frame",
                baseline="head regions of person boxes only (no face detector)",
                baseline_value=lat["heads"] * 1000,
                higher_is_better=False,
                notes="cost of privacy blurring per stored frame (snapshot, clip frame); "
                "BlazeFace full range FP32 on the frame and its tiles",
            )
        )
    return rows


def run() -> list[dict]:
    frames, samples, source = _frames()
    rows = _ssd_rows(frames, source)
    if samples is not None:
        rows += _accuracy_rows(samples)
    rows += _yolo_rows(frames, source)
    if samples is not None:
        rows += _yolo_accuracy(samples)
    rows += _pose_rows(frames)
    rows += _clip_rows(frames)
    rows += _face_blur_rows(frames)
    return rows
