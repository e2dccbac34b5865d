"""Reading the worker → backend wire contract (workers.contracts) with clear refusal reasons."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from workers.contracts import CONTRACT_VERSION, BehaviourEvent


class ContractRefused(ValueError):
    """A message does not satisfy the contract; `reason` is a DeadLetterReason value."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def event_parse(*, payload: Any) -> BehaviourEvent:
    """Validate one message: unknown `v` → unknown_version; anything else wrong → malformed."""
    if not isinstance(payload, dict):
        raise ContractRefused(
            f"message must be a JSON object, got {type(payload).__name__}", reason="malformed"
        )
    version = payload.get("v")
    if version != CONTRACT_VERSION:
        raise ContractRefused(
            f"unknown contract version {version!r}; this backend reads v{CONTRACT_VERSION}",
            reason="unknown_version",
        )
    try:
        return BehaviourEvent.model_validate(payload)
    except ValidationError as err:
        raise ContractRefused(f"invalid event: {err}", reason="malformed") from err
