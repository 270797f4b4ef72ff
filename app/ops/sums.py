"""`SummedCounter` and `SummedHistogram`: Prometheus counters and histograms kept as plain sums,
for the ones every request adds to (requests by route, model, status and decision; tokens, cost
and usage states; upstream's time, a stream's first byte and token).

Their values are floats in a dict by label values, exposed as a counter or histogram family when
/metrics is scraped (a custom collector: prometheus_client's documented way to expose numbers
kept elsewhere). Adding to one is a dict update (and a bisection), where prometheus_client's own
take `labels` (label checks and a lock) then a lock for each number (docs/internals.md,
"Counters as plain sums"). They have no `_created` series; their names, labels and other samples
are prometheus_client's."""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import INF, floatToGoString


class SummedCounter(Collector):
    """A counter `name` (exposed as `name_total`) with `labels`, registered in `registry`.

    Add to `sums[label values]`, each value already bounded (`app.ops.labels`): every key is a
    series, kept for the life of the process."""

    def __init__(
        self, name: str, documentation: str, labels: Sequence[str], registry: CollectorRegistry
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labels = list(labels)
        self.sums: defaultdict[tuple[str, ...], float] = defaultdict(float)
        registry.register(self)

    def collect(self) -> Iterator[CounterMetricFamily]:
        """The counter as it stands (called by the registry when /metrics renders)."""
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labels)
        for label_values, value in list(self.sums.items()):  # a copy: counting may go on
            family.add_metric(label_values, value)
        yield family


class SummedHistogram(Collector):
    """A histogram `name` with `labels` and the upper bounds `buckets` (`+Inf` added), registered
    in `registry`.

    `observe(label values, value)`, each label value already bounded (`app.ops.labels`): every
    label set observed is a series, kept for the life of the process; without labels, the one
    series is there from the start, as prometheus_client's is."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labels: Sequence[str],
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labels = list(labels)
        self._bounds = sorted({float(bound) for bound in buckets} | {INF})
        # The `le` label of each, written as prometheus_client writes it (untyped there).
        self._les: list[str] = [floatToGoString(b) for b in self._bounds]  # type: ignore[no-untyped-call]
        # By label values: the count of each bucket (not cumulative), then the sum.
        self._series: dict[tuple[str, ...], list[float]] = {}
        if not self.labels:
            self._series[()] = [0.0] * (len(self._bounds) + 1)
        registry.register(self)

    def observe(self, label_values: tuple[str, ...], value: float) -> None:
        """Count `value` in the series of `label_values`."""
        series = self._series.get(label_values)
        if series is None:
            series = self._series[label_values] = [0.0] * (len(self._bounds) + 1)
        series[bisect_left(self._bounds, value)] += 1  # the first bound `value` is within
        series[-1] += value

    def collect(self) -> Iterator[HistogramMetricFamily]:
        """The histogram as it stands (called by the registry when /metrics renders)."""
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labels)
        for label_values, series in list(self._series.items()):  # a copy: counting may go on
            counts, total = series[:-1], series[-1]
            cumulative, buckets = 0.0, []
            for le, count in zip(self._les, counts, strict=True):
                cumulative += count
                buckets.append((le, cumulative))
            family.add_metric(list(label_values), buckets, sum_value=total)
        yield family
