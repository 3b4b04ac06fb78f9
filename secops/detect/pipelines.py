"""Which pySigma processing pipelines map a rule onto ECS, chosen by its logsource.

Field renames and logsource conditions live in pipelines (pySigma's own, the
ones its Elasticsearch backend uses, plus the YAML files under
``rules/pipelines/``), never in evaluator code. The same choice serves the
native engine and the Elasticsearch pushdown, so both see the same fields.

Rules written in the ECS taxonomy (``taxonomy: ecs``) use ECS names already
and get only the ``secops-*`` pipelines whose conditions ask for them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path

from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.pipelines.elasticsearch import pipelines as es_pipelines
from sigma.pipelines.sysmon import sysmon_pipeline
from sigma.pipelines.windows import windows_logsource_pipeline
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import ValueListPlaceholderTransformation
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaDetections, SigmaLogSource, SigmaRule

from secops.errors import RuleError

PRODUCT_PIPELINES: dict[str, tuple[str, ...]] = {
    "windows": ("sysmon", "windows-logsources", "secops-windows", "ecs_windows", "secops-ecs-plain"),
    "zeek": ("secops-zeek", "ecs_zeek_beats"),
    "macos": ("secops-logsources", "ecs_macos_esf", "secops-ecs-plain"),
    "kubernetes": ("ecs_kubernetes",),
}
"""Pipelines by Sigma logsource product; other products get ``DEFAULT_PIPELINES``."""
DEFAULT_PIPELINES: tuple[str, ...] = ("secops-logsources", "secops-generic", "secops-ecs-plain")
ECS_TAXONOMY_PIPELINES: tuple[str, ...] = ("secops-ecs-plain",)

_BUILTIN: dict[str, Callable[[], ProcessingPipeline]] = {
    **es_pipelines,
    "sysmon": sysmon_pipeline,
    "windows-logsources": windows_logsource_pipeline,
}


def pipeline_dirs() -> list[Path]:
    """``rules/pipelines`` of a checkout, or the copy bundled in the wheel."""
    here = Path(__file__).resolve().parents[2] / "rules" / "pipelines"
    if here.is_dir():
        return [here]
    bundled = resources.files("secops").joinpath("_bundled/rules/pipelines")
    return [Path(str(bundled))] if bundled.is_dir() else []


@cache
def named_pipeline(name: str) -> ProcessingPipeline:
    """A pipeline by name: a pySigma built-in or ``<name>.yml`` under rules/pipelines."""
    if name in _BUILTIN:
        return _BUILTIN[name]()
    for folder in pipeline_dirs():
        path = folder / f"{name}.yml"
        if path.is_file():
            try:
                return ProcessingPipeline.from_yaml(path.read_text("utf-8"))
            except SigmaError as exc:
                raise RuleError(f"invalid processing pipeline: {exc}", where=str(path)) from exc
    raise RuleError(f"unknown processing pipeline {name!r}")


def pipeline_names(logsource: SigmaLogSource, taxonomy: str = "sigma") -> tuple[str, ...]:
    """The pipeline names for a logsource, in the order they apply."""
    if taxonomy.lower() == "ecs":
        return ECS_TAXONOMY_PIPELINES
    return PRODUCT_PIPELINES.get((logsource.product or "").lower(), DEFAULT_PIPELINES)


@cache
def _combined(names: tuple[str, ...], placeholders: tuple[tuple[str, tuple[str, ...]], ...]) -> ProcessingPipeline:
    pipeline = ProcessingPipeline()
    for name in names:
        pipeline = pipeline + named_pipeline(name)
    if placeholders:
        pipeline = pipeline + ProcessingPipeline(
            name="secops placeholders",
            priority=5,
            items=[
                ProcessingItem(
                    identifier="secops_value_placeholders",
                    transformation=ValueListPlaceholderTransformation(),
                )
            ],
            vars={name: list(values) for name, values in placeholders},
        )
    return pipeline


def pipeline_for(rule: SigmaRule, placeholders: dict[str, list[str]] | None = None) -> ProcessingPipeline:
    """The combined pipeline for one rule (cached per product and placeholder set)."""
    frozen = tuple(sorted((k, tuple(v)) for k, v in (placeholders or {}).items()))
    return _combined(pipeline_names(rule.logsource, rule.taxonomy or "sigma"), frozen)


def processed(rule: SigmaRule, placeholders: dict[str, list[str]] | None = None) -> SigmaRule:
    """A copy of the rule with its pipeline applied; the loaded rule stays untouched."""
    copied = copy.deepcopy(rule)
    pipeline_for(copied, placeholders).apply(copied)
    return copied


def map_field(field: str, rule: SigmaRule) -> str:
    """What a field name of a rule's taxonomy becomes after that rule's pipeline.

    Correlation rules carry no logsource, so their ``group-by`` and ``field``
    names are mapped through the pipeline of each rule they reference.
    """
    probe = SigmaRule(
        title="field probe",
        logsource=copy.deepcopy(rule.logsource),
        taxonomy=rule.taxonomy,
        detection=SigmaDetections(
            {"probe": SigmaDetection([SigmaDetectionItem.from_mapping(f"{field}|exists", True)])}, ["probe"]
        ),
    )
    pipeline_for(probe).apply(probe)
    for item in _items(probe.detection.detections["probe"]):
        if item.field:
            return item.field
    return field


def _items(detection: SigmaDetection) -> Iterable[SigmaDetectionItem]:
    for item in detection.detection_items:
        if isinstance(item, SigmaDetection):
            yield from _items(item)
        else:
            yield item


def correlation_fields(correlation: SigmaCorrelationRule, rule: SigmaRule, names: Iterable[str]) -> list[str]:
    """Correlation field names (after aliases) for events of one referenced rule, mapped like the rule."""
    out = []
    for name in names:
        alias = correlation.aliases.aliases.get(name) if correlation.aliases else None
        if alias is not None:
            keys = {rule.name, str(rule.id) if rule.id else None} - {None}
            mapped = next((f for ref, f in alias.mapping.items() if ref.reference in keys), name)
            out.append(map_field(mapped, rule))
        else:
            out.append(map_field(name, rule))
    return out
