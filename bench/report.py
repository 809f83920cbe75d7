"""A table of measurements, each with the baseline measured in the same run and the target."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Measurement:
    name: str
    backend: str
    value: float
    unit: str
    baseline: float
    baseline_name: str
    target: str
    met: bool

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")


@dataclass(frozen=True, slots=True)
class Timing:
    median_ms: float
    p95_ms: float
    p99_ms: float


async def time_calls(
    call: Callable[[], Awaitable[object]], *, repeat: int, warmup: int = 3
) -> Timing:
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return Timing(
        median_ms=statistics.median(samples),
        p95_ms=samples[min(len(samples) - 1, int(len(samples) * 0.95))],
        p99_ms=samples[min(len(samples) - 1, int(len(samples) * 0.99))],
    )


def print_table(rows: list[Measurement]) -> None:
    header = ("benchmark", "backend", "value", "baseline", "ratio", "target", "met")
    lines = [
        (
            row.name,
            row.backend,
            f"{row.value:,.2f} {row.unit}",
            f"{row.baseline:,.3f} {row.unit} ({row.baseline_name})",
            f"{row.ratio:,.1f}x",
            row.target,
            "yes" if row.met else "NO",
        )
        for row in rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
    for line in [header, tuple("-" * w for w in widths), *lines]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))
