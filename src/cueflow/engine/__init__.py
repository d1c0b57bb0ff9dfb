"""The workflow engine: scheduler (StepByStep/DAG, groups, retries, suspend) and step runner."""

from cueflow.engine.clock import Clock, ManualClock, SystemClock
from cueflow.engine.engine import (
    ENGINE_STATE_KEY,
    Engine,
    EngineError,
    Event,
    StepCatalog,
    public_document,
)
from cueflow.engine.settings import EngineSettings
from cueflow.engine.steps import DataScope, Operation, Scope, StepInvocation, StepType
from cueflow.store.wakeup import notify_engine

__all__ = [
    "ENGINE_STATE_KEY",
    "Clock",
    "DataScope",
    "Engine",
    "EngineError",
    "EngineSettings",
    "Event",
    "ManualClock",
    "Operation",
    "Scope",
    "StepCatalog",
    "StepInvocation",
    "StepType",
    "SystemClock",
    "notify_engine",
    "public_document",
]
