"""Typed models of WorkflowRun, Workflow and WorkflowStepDefinition (spec section 1).

Field names are snake_case in Python and camelCase on the wire; unknown fields are kept
(`extra="allow"`) so that a document loaded and dumped again keeps everything it had.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from cueflow.model.enums import Mode, RunPhase, StepPhase


def format_time(value: datetime) -> str:
    """RFC 3339 with second precision in UTC, as stored statuses spell timestamps."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Timestamp = Annotated[datetime, PlainSerializer(format_time, return_type=str)]


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", serialize_by_alias=True
    )

    def to_dict(self) -> dict[str, Any]:
        """The wire form: camelCase keys, absent fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# --- steps -----------------------------------------------------------------------------


class StepInput(_Model):
    from_: str = Field(alias="from")
    parameter_key: str | None = None


class StepOutput(_Model):
    name: str
    value_from: str = ""


class RetryPolicy(_Model):
    """cueflow extension (`meta.retry`): how often and how fast a failing step is retried."""

    times: int | None = None
    backoff: str | None = None  # Go duration: the first retry delay, doubled each time


class StepMeta(_Model):
    alias: str | None = None
    retry: RetryPolicy | None = None


class StepBase(_Model):
    """A sub-step, and everything a top-level step has as well."""

    name: str = ""
    type: str = ""
    meta: StepMeta | None = None
    properties: dict[str, Any] | None = None
    if_: str | None = Field(default=None, alias="if")
    timeout: str | None = None
    depends_on: list[str] | None = None
    inputs: list[StepInput] | None = None
    outputs: list[StepOutput] | None = None


class WorkflowStep(StepBase):
    mode: Mode | None = None
    sub_steps: list[StepBase] | None = None


class WorkflowExecuteMode(_Model):
    steps: Mode | None = None
    sub_steps: Mode | None = None


# --- objects ---------------------------------------------------------------------------


class ObjectMeta(_Model):
    name: str = ""
    namespace: str | None = None
    annotations: dict[str, str] | None = None
    labels: dict[str, str] | None = None
    uid: str | None = None


class Resource(_Model):
    """Common head of every object cueflow stores."""

    API_VERSIONS: ClassVar[tuple[str, ...]] = ()
    KIND: ClassVar[str] = ""

    api_version: str
    kind: str
    metadata: ObjectMeta


class WorkflowSpec(_Model):
    steps: list[WorkflowStep] = Field(default_factory=list)


class WorkflowRunSpec(_Model):
    context: dict[str, Any] | None = None
    mode: WorkflowExecuteMode | None = None
    workflow_spec: WorkflowSpec | None = None
    workflow_ref: str | None = None


class StepStatusBase(_Model):
    """The status of a sub-step (and the common part of a step status)."""

    id: str = ""
    name: str = ""
    type: str = ""
    phase: StepPhase | None = None
    message: str | None = None
    reason: str | None = None
    first_execute_time: Timestamp | None = None
    last_execute_time: Timestamp | None = None


class StepStatus(StepStatusBase):
    sub_steps: list[StepStatusBase] | None = None


class Condition(_Model):
    type: str
    status: str
    last_transition_time: Timestamp | None = None
    reason: str = ""
    message: str | None = None


class ContextBackend(_Model):
    api_version: str = "v1"
    kind: str = "ConfigMap"
    name: str = ""
    namespace: str = ""
    uid: str | None = None


class WorkflowRunStatus(_Model):
    conditions: list[Condition] | None = None
    mode: WorkflowExecuteMode | None = None
    status: RunPhase | None = None
    message: str | None = None
    suspend: bool = False
    suspend_state: str | None = None
    terminated: bool = False
    finished: bool = False
    context_backend: ContextBackend | None = None
    steps: list[StepStatus] | None = None
    start_time: Timestamp | None = None
    end_time: Timestamp | None = None


class WorkflowRun(Resource):
    API_VERSIONS = ("core.oam.dev/v1alpha1",)
    KIND = "WorkflowRun"

    spec: WorkflowRunSpec = Field(default_factory=WorkflowRunSpec)
    status: WorkflowRunStatus | None = None


class Workflow(Resource):
    """A reusable template: `mode` and `steps` sit at the top level, there is no spec."""

    API_VERSIONS = ("core.oam.dev/v1alpha1",)
    KIND = "Workflow"

    mode: WorkflowExecuteMode | None = None
    steps: list[WorkflowStep] = Field(default_factory=list)


class CueSchematic(_Model):
    template: str = ""


class Schematic(_Model):
    cue: CueSchematic | None = None


class WorkflowStepDefinitionSpec(_Model):
    schematic: Schematic | None = None


class WorkflowStepDefinition(Resource):
    API_VERSIONS = ("core.oam.dev/v1beta1", "core.oam.dev/v1alpha1")
    KIND = "WorkflowStepDefinition"

    spec: WorkflowStepDefinitionSpec = Field(default_factory=WorkflowStepDefinitionSpec)

    @property
    def template(self) -> str:
        """The CUE template, the only part of the spec the engine reads."""
        schematic = self.spec.schematic
        return schematic.cue.template if schematic and schematic.cue else ""


RESOURCE_TYPES: tuple[type[Resource], ...] = (WorkflowRun, Workflow, WorkflowStepDefinition)
