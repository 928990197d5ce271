from itertools import islice

import pytest

from provisioning.core.backoff import Backoff


def test_delays_double_from_the_first_and_stop_growing_at_the_cap() -> None:
    assert list(islice(Backoff(0.5, 3.0).delays(), 6)) == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_each_series_starts_again_from_the_first_delay() -> None:
    policy = Backoff(0.1, 1.0)
    first = policy.delays()
    next(first), next(first)
    assert next(policy.delays()) == 0.1


@pytest.mark.parametrize(("first", "cap"), [(0.0, 1.0), (-1.0, 1.0), (2.0, 1.0)])
def test_a_policy_that_would_not_wait_or_would_shrink_is_refused(first: float, cap: float) -> None:
    with pytest.raises(ValueError, match="backoff needs"):
        Backoff(first, cap)
