"""Figures: each takes pandas objects and ``ax=None``, returns the Axes, never calls show().

Every figure is titled, labelled in $bn and carries a caption with its source and vintage.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from tradedeal.present.labels import label

BN = 1e9
PALETTE = {"agriculture": "#4c9a2a", "manufactures": "#1f5fa8", "energy": "#d1761b", "covered_total": "#333333"}


def axes_or_new(ax, figsize=(9, 4)):
    """``ax``, or the axes of a new figure of ``figsize`` when it is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


SOURCE_STYLE = {"fontsize": 7, "color": "#555555"}


def wrap_text(text: str, width: int) -> str:
    """Wrap between words (never inside one)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))


def caption(ax, text: str, width: int | None = None) -> None:
    """Put a source/vintage caption under the axes, apart from the x axis and its label (which
    keep their own size), wrapped to the axes' width. Constrained layout makes room for it."""
    if not text:
        return
    if width is None:
        inches = ax.get_position().width * ax.figure.get_figwidth()
        width = max(40, int(inches * 15))
    below_axis = (lambda renderer: ax.xaxis.get_tightbbox(renderer) or ax.get_window_extent(renderer))
    ax.annotate(wrap_text(text, width), xy=(0, 0), xycoords=("axes fraction", below_axis), xytext=(0, -6),
                textcoords="offset points", ha="left", va="top", annotation_clip=False, **SOURCE_STYLE)


def figure_caption(fig, text: str, width: int | None = None) -> None:
    """A source/vintage caption under a figure of several panels, once for the figure."""
    if text:
        width = width or max(60, int(fig.get_figwidth() * 14))
        fig.supxlabel(wrap_text(text, width), x=0.01, ha="left", **SOURCE_STYLE)


def short_name(text, limit: int = 40, *, fallback="") -> str:
    """A label's first words: up to the first ``;`` or ``(``, then at most ``limit`` characters,
    cut between words and marked with an ellipsis; ``fallback`` (e.g. the code) when missing."""
    import re

    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return "" if fallback is None else str(fallback)
    head = re.split(r";|\s\(", str(text), maxsplit=1)[0].strip().rstrip(",")
    if len(head) <= limit:
        return head
    cut = head[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:")
    return (cut or head[:limit]) + "…"


def legend_outside(ax, **kwargs) -> None:
    """The legend to the right of the axes, off the data (constrained layout makes room)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False,
                  **{"fontsize": 8, **kwargs})


def _series_label(name) -> str:
    """A series' name in a legend: the reader's label, without the unit (the axis gives it)."""
    from tradedeal.present.labels import label

    text = str(name)
    return label(text.removesuffix("_usd")) if "_" in text else text


def _with_gaps(series: pd.Series) -> pd.Series:
    """A monthly series on every month from its first to its last, missing months as NaN, so a
    line breaks where data are missing instead of joining points across the gap."""
    series = series.dropna()
    if series.empty or not isinstance(series.index, pd.PeriodIndex):
        return series
    return series.reindex(pd.period_range(series.index.min(), series.index.max(), freq=series.index.freq))


def timestamps(index: pd.PeriodIndex):
    return index.to_timestamp()


def date_axis(ax) -> None:
    """Month ticks on the x axis: a few dates, written concisely."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def cumulative_vs_target(
    purchases: pd.Series, target_path: pd.DataFrame, *, title: str, source: str, ax=None
) -> plt.Axes:
    """Cumulative purchases in a year against the year-to-date target paths ($bn).

    ``purchases``: monthly USD of the year (observed months only). ``target_path``: cumulative
    target by month, one column per proration (missing values are not drawn).
    """
    ax = axes_or_new(ax)
    for name, path in target_path.items():
        ax.plot(timestamps(path.index), path.to_numpy() / BN, linestyle="--", marker="." if name == "annual" else None,
                label=f"target ({name} proration)")
    ax.plot(timestamps(purchases.index), purchases.cumsum().to_numpy() / BN, color="black", lw=2, label="purchases (cumulative)")
    date_axis(ax)
    ax.set(title=title, ylabel="$bn, cumulative", xlabel="")
    ax.legend(fontsize=8, loc="upper left")
    caption(ax, source)
    return ax


def monthly_against_baseline(series: pd.Series, *, year: int, title: str, source: str, baseline_year: int = 2017,
                             ax=None) -> plt.Axes:
    """Monthly purchases in ``year`` beside the same months of the baseline year ($bn)."""
    import seaborn as sns  # here, not at the top: importing it costs every report that draws no bars

    ax = axes_or_new(ax)
    frame = pd.DataFrame({
        str(baseline_year): series[series.index.year == baseline_year].to_numpy() / BN,
    }, index=range(1, 13))
    this = series[series.index.year == year]
    frame[str(year)] = pd.Series(this.to_numpy() / BN, index=this.index.month).reindex(frame.index)
    long = frame.rename_axis("month").reset_index().melt("month", var_name="year", value_name="usd_bn")
    sns.barplot(long, x="month", y="usd_bn", hue="year", ax=ax, palette=["#bbbbbb", "#1f5fa8"])
    ax.set_xticks(range(12), ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
    ax.set(title=title, ylabel="$bn per month", xlabel="")
    legend_outside(ax, title="year")
    caption(ax, source)
    return ax


#: The caption's warning when a seasonally adjusted series leaves the observed range.
ARTEFACT_NOTE = ("×: a seasonally adjusted month beyond any observed month of the series (above the highest or "
                 "below the lowest): the value comes from the seasonal pattern the method estimated from other "
                 "years, not from that month's data; read it with care.")


def adjustment_artefacts(observed: pd.Series, adjusted: pd.Series) -> pd.Series:
    """The months where ``adjusted`` lies outside the range of every observed month of the series
    (above its highest or below its lowest): no month was ever like that, so the value comes from
    the seasonal pattern the method estimated, not from the data (e.g. STL adding a harvest season
    to 2019 soybeans, when none was shipped)."""
    values = observed.dropna()
    if values.empty:
        return pd.Series(False, index=adjusted.index)
    return ((adjusted > values.max()) | (adjusted < values.min())).fillna(False).astype(bool)


def lines(frame: pd.DataFrame, *, title: str, source: str, ylabel: str = "$bn per month", scale: float = BN,
          ax=None, shade: tuple[str, str] | None = None) -> plt.Axes:
    """Monthly series (columns) as lines; ``shade`` marks a span of months (e.g. the agreement).
    With an ``observed`` column, the months of a column named ``… adjusted …`` that leave the observed
    range are marked × and the caption says why (:func:`adjustment_artefacts`)."""
    ax = axes_or_new(ax)
    observed = frame["observed"] if "observed" in frame else None
    flagged = 0
    for name, s in frame.items():
        s = _with_gaps(s)
        line, = ax.plot(timestamps(s.index), s.to_numpy() / scale, label=_series_label(name), color=PALETTE.get(str(name)))
        alone = s.notna() & s.shift(1).isna() & s.shift(-1).isna()  # a month with no neighbour: a dot
        if alone.any():
            ax.plot(timestamps(s.index[alone]), s[alone].to_numpy() / scale, linestyle="none", marker=".",
                    color=line.get_color())
        if observed is not None and "adjusted" in str(name):
            out = adjustment_artefacts(observed, s)
            flagged += int(out.sum())
            if out.any():
                ax.plot(timestamps(s.index[out]), s[out].to_numpy() / scale, linestyle="none", marker="x", ms=6,
                        color=line.get_color())
    if flagged:
        ax.plot([], [], linestyle="none", marker="x", color="#555555", label="adjusted beyond any observed month")
        source = f"{ARTEFACT_NOTE} {source}"
    if shade:
        lo, hi = (pd.Period(m, "M").to_timestamp() for m in shade)
        ax.axvspan(lo, hi, color="#f2e6c9", alpha=0.6, label="agreement in force")
    date_axis(ax)
    ax.set(title=title, ylabel=ylabel, xlabel="")
    if frame.shape[1] > 1 or shade:  # one series is named by the title and the axis
        legend_outside(ax)
    caption(ax, source)
    return ax


def fan_chart(history: pd.Series, forecast: pd.DataFrame, *, title: str, source: str, ax=None) -> plt.Axes:
    """History and a labelled forecast with its interval (``mean, lower, upper``), $bn per month.

    The y axis is logarithmic: the models work on logs, and a calibrated interval of a volatile
    category (energy) can span a factor of ten or more, which a linear axis flattens into a
    line.
    """
    ax = axes_or_new(ax)
    ax.plot(timestamps(history.index), history.to_numpy() / BN, color="black", label="observed")
    x = timestamps(forecast.index)
    ax.fill_between(x, forecast["lower"] / BN, forecast["upper"] / BN, color="#1f5fa8", alpha=0.25,
                    label="forecast, 80% interval")
    ax.plot(x, forecast["mean"] / BN, color="#1f5fa8", linestyle="--", label="forecast")
    date_axis(ax)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))  # 0.1, 1, 10 (not 10^-1 …)
    ax.yaxis.set_minor_formatter(mticker.LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
    ax.set(title=title, ylabel="$bn per month (log scale)", xlabel="")
    ax.legend(fontsize=8, loc="upper left")
    caption(ax, source)
    return ax


def contributions_bar(table: pd.DataFrame, *, title: str, source: str, n: int = 10, names=None,
                      ax=None) -> plt.Axes:
    """Horizontal bars of the ``n`` largest contributions (``change_usd``), $bn; each bar named by
    its code and, from ``names`` (code → description, e.g. ``Snapshot.hs6_descriptions()``), its
    description's first words, or "no description in this data"."""
    from tradedeal.ingest.descriptions import NO_DESCRIPTION

    top = table.head(n).iloc[::-1]
    if names is not None:
        names = dict(names)
        shown = [f"{code} {short_name(names.get(str(code)), 42, fallback=NO_DESCRIPTION)}" for code in top.index]
    else:
        shown = [str(i) for i in top.index]
    ax = axes_or_new(ax, figsize=(10 if names is not None else 8, 0.35 * min(n, len(table)) + 1.2))
    colors = np.where(top["change_usd"] >= 0, "#4c9a2a", "#b03a2e")
    ax.barh(shown, top["change_usd"] / BN, color=colors)
    ax.axvline(0, color="black", lw=0.8)
    ax.set(title=title, xlabel="change, $bn", ylabel="")
    caption(ax, source)
    return ax


def projection_by_as_of(frame: pd.DataFrame, *, title: str, source: str, ax=None) -> plt.Axes:
    """Real-time projections of a year's total by ``as_of`` month, per model, against the outcome,
    with ``auto``'s 80 % band shaded."""
    ax = axes_or_new(ax)
    auto = frame[frame["model"] == "auto"]
    if not auto.empty:
        ax.fill_between(timestamps(pd.PeriodIndex(auto["as_of"])), auto["p10_usd"] / BN, auto["p90_usd"] / BN,
                        color="tab:blue", alpha=0.15, lw=0, label="auto, 80% band")
    for model, part in frame.groupby("model"):
        ax.plot(timestamps(pd.PeriodIndex(part["as_of"])), part["median_usd"] / BN, marker=".",
                lw=2.5 if model == "auto" else 1, label=model)
    observed = frame["observed_total_usd"].iloc[0]
    through = pd.Period(frame["through"].iloc[0], "M")
    label = "observed total" if through.month == 12 else f"observed, January to {through} only (not a year total)"
    ax.axhline(observed / BN, color="black", lw=1.5, linestyle=":", label=label)
    date_axis(ax)
    ax.set(title=title, ylabel="$bn, projected year total", xlabel="data through")
    legend_outside(ax)
    caption(ax, source)
    return ax


def cumulative_figure(monthly: pd.DataFrame, *, year: int, as_of, source: str):
    """Three panels: each category's cumulative purchases against its three target paths."""
    from tradedeal.agreement.targets import PRORATIONS, target_path

    paths = {p: target_path(monthly, year, proration=p) for p in PRORATIONS}
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    for ax, category in zip(axes, ("agriculture", "manufactures", "energy")):
        purchases = monthly.loc[f"{year}-01":str(as_of), category]
        frame = pd.DataFrame({p: paths[p][category] for p in PRORATIONS})
        cumulative_vs_target(purchases, frame, title=f"{label(category)}, {year}", source="", ax=ax)
        ax.get_legend().remove()
    handles, names = axes[0].get_legend_handles_labels()  # one legend for the three panels, above them
    fig.legend(handles, names, loc="outside upper center", ncols=len(names), fontsize=8, frameon=False)
    figure_caption(fig, source)
    return fig


def fan_figure(fans: dict[str, tuple], *, source: str):
    """One fan chart per entry of :func:`tradedeal.models.forecast.projection.fan_forecasts`; a title names
    its model (``auto`` with how many it combined, the table lists them)."""
    fig, axes = plt.subplots(1, len(fans), figsize=(4.2 * len(fans), 4), layout="constrained", squeeze=False)
    for ax, (category, (history, forecast, model)) in zip(axes[0], fans.items(), strict=True):
        name, _, combined = model.partition(": ")
        short = f"{name}, {len(combined.split('+'))} models" if combined else name
        fan_chart(history, forecast, title=f"{label(category)} ({short})", source="", ax=ax)
        ax.get_legend().remove()
    handles, names = axes[0][0].get_legend_handles_labels()  # one legend above the panels, off the band
    fig.legend(handles, names, loc="outside upper center", ncols=len(names), fontsize=8, frameon=False)
    figure_caption(fig, source)
    return fig


def in_words(fig) -> None:
    """Write every text of ``fig`` a reader sees (titles, axis and tick labels, legends, captions,
    annotations) in words: field names become their labels (:func:`tradedeal.present.labels.words`)."""
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    from tradedeal.present.labels import words

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter):
                formatter.seq = [words(t) for t in formatter.seq]
            elif isinstance(formatter, FuncFormatter) and not getattr(formatter, "_in_words", False):
                worded = FuncFormatter(lambda x, pos=None, f=formatter: words(f(x, pos)))
                worded._in_words = True
                axis.set_major_formatter(worded)
    for text in fig.findobj(Text):
        shown = text.get_text()
        if shown and words(shown) != shown:
            text.set_text(words(shown))


def show(alt: str, fig=None) -> None:
    """Display a figure in a notebook with ``alt`` (what it shows, for a screen reader and the
    HTML report's ``<img alt>``) and its plotted data as its plain text (:mod:`figure_data`: the
    report keeps what the figure shows, and a notebook test compares it like a table), then close
    it so it is not shown twice. The figure's texts and the alt text are written in words
    (:func:`in_words`)."""
    from IPython import get_ipython
    from IPython.display import display

    from tradedeal.present import export
    from tradedeal.present.figure_data import plotted_data
    from tradedeal.present.labels import words

    fig = fig if fig is not None else plt.gcf()
    in_words(fig)
    alt = words(alt)
    shell = get_ipython()
    if shell is None:  # not in a kernel: nothing to show
        display(fig, metadata={"image/png": {"alt": alt}})
    else:
        data, metadata = shell.display_formatter.format(fig)
        data["text/plain"] = plotted_data(fig)
        metadata = dict(metadata or {})
        metadata["image/png"] = {**metadata.get("image/png", {}), "alt": alt}
        display(data, raw=True, metadata=metadata)
    export.figure(fig, alt)  # next to the report, when the report run exports (--figures)
    plt.close(fig)
