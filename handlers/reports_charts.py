"""Report charts as PNG images a manager reads on a phone: at most eight horizontal bars, large
type, the value printed on each bar, the unit (a currency, days, leads) under the axis and the
period in the title.

Drawn with matplotlib's Agg canvas on a ``Figure`` of its own, never through pyplot's global
state, so a chart can be rendered in a worker thread while the bot answers others. Text is set
in DejaVu Sans, which matplotlib ships and which has Cyrillic letters.

matplotlib (with numpy, some 50 MB of the bot's memory) is imported by the first chart drawn,
not when the bot starts: most bot processes never draw one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crm.models import Stage, StageKind

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_BARS = 8
SIZE_INCHES = 6.0
DPI = 180
"""A 1080 x 1080 pixel image: a phone shows it across the whole width of the chat."""
FONT_FAMILY = "DejaVu Sans"
# Font properties as matplotlib takes them, without importing it.
TITLE: dict[str, Any] = {"family": FONT_FAMILY, "size": 17, "weight": "bold"}
LABEL: dict[str, Any] = {"family": FONT_FAMILY, "size": 14}
VALUE: dict[str, Any] = {"family": FONT_FAMILY, "size": 13, "weight": "bold"}

# One colour per stage wherever a stage is drawn: the default stages by their code, others
# by their kind and place in the pipeline.
STAGE_COLOURS = {
    "new": "#90caf9",
    "qualified": "#42a5f5",
    "proposal": "#1565c0",
    "won": "#2e7d32",
    "lost": "#c62828",
}
OPEN_STAGE_COLOURS = ("#80deea", "#26a69a", "#5c6bc0", "#ab47bc", "#ffa726", "#8d6e63")
WON = STAGE_COLOURS["won"]
LOST = STAGE_COLOURS["lost"]
NEUTRAL = "#546e7a"
FAINT = "#cfd8dc"


def stage_colour(stage: Stage) -> str:
    if stage.code in STAGE_COLOURS:
        return STAGE_COLOURS[stage.code]
    if stage.kind == StageKind.WON:
        return WON
    if stage.kind == StageKind.LOST:
        return LOST
    return OPEN_STAGE_COLOURS[stage.position % len(OPEN_STAGE_COLOURS)]


@dataclass(frozen=True, slots=True)
class Bars:
    """One series: a value per category, the text printed at the end of each bar, colours."""

    name: str
    values: list[float]
    labels: list[str]
    colours: list[str]


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    categories: list[str]
    series: list[Bars]
    """One series, or two: side by side, or the second drawn inside the first (``overlaid``:
    a part of a whole, such as the weighted value of a total)."""
    axis_label: str
    overlaid: bool = False

    @property
    def bar_count(self) -> int:
        return len(self.categories) * (1 if self.overlaid else len(self.series))


def chart_figure(chart: Chart) -> Figure:
    """Each category's name above its bar and the value after it, on fixed margins: no
    layout pass measuring every text, which would cost a second drawing."""
    if chart.bar_count > MAX_BARS:
        raise ValueError(f"{chart.bar_count} bars are too many to read on a phone")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(SIZE_INCHES, SIZE_INCHES), dpi=DPI)
    # Under the title: the legend, when there are two series.
    figure.subplots_adjust(
        left=0.04, right=0.96, top=0.83 if len(chart.series) == 1 else 0.77, bottom=0.08
    )
    axes = figure.add_subplot()
    rows = len(chart.categories)
    height = 0.55 / (1 if chart.overlaid else len(chart.series))
    for index, bars in enumerate(chart.series):
        if chart.overlaid:
            offset, thickness = 0.0, height * (0.5 if index else 1.0)
        else:
            offset, thickness = (index - (len(chart.series) - 1) / 2) * height, height
        # The first category at the top, as a list is read.
        positions = [rows - 1 - row - offset for row in range(rows)]
        drawn = axes.barh(positions, bars.values, height=thickness, color=bars.colours)
        axes.bar_label(drawn, labels=bars.labels, padding=4, fontproperties=VALUE)
        drawn.set_label(bars.name)
    top_of_bars = 0.55 / 2 + 0.02
    for row, category in enumerate(chart.categories):
        axes.text(0, rows - 1 - row + top_of_bars, category, fontproperties=LABEL, va="bottom")
    axes.set_yticks([])
    axes.set_xticks([])
    axes.set_ylim(-0.5, rows - 0.5 + top_of_bars + 0.2)
    axes.set_xlabel(chart.axis_label, fontproperties=LABEL)
    # The period on a line of its own under the report's name.
    figure.suptitle(chart.title.replace(" · ", "\n", 1), x=0.04, ha="left", fontproperties=TITLE)
    # Room at the right for the value printed after the longest bar.
    longest = max((max(bars.values, default=0) for bars in chart.series), default=0)
    axes.set_xlim(0, longest * 1.3 or 1)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    if len(chart.series) > 1:
        figure.legend(
            prop=LABEL, loc="upper left", bbox_to_anchor=(0.03, 0.86), frameon=False, ncols=2
        )
    return figure


def render_png(chart: Chart) -> bytes:
    """The chart as a PNG image; slow enough (tens of milliseconds) to run in a thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = chart_figure(chart)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    # Flat colours compress well at once; PNG's default effort costs more than the drawing.
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
