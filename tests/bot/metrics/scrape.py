"""Reading ``/metrics`` as Prometheus does: the text parsed by prometheus_client's own parser."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Scrape:
    samples: dict[tuple[str, Labels], float]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        return cls(samples)

    def get(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when there is none (a counter's series not yet made)."""
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def series(self, name: str) -> dict[Labels, float]:
        return {labels: v for (n, labels), v in self.samples.items() if n == name}

    def minus(self, before: Scrape, name: str) -> dict[Labels, float]:
        """How each series of ``name`` moved since ``before``; series that did not move left out."""
        moved = {
            labels: v - before.samples.get((name, labels), 0.0)
            for labels, v in self.series(name).items()
        }
        return {labels: d for labels, d in moved.items() if d != 0}


def labels(**kw: str) -> Labels:
    return tuple(sorted(kw.items()))
