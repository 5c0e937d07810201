"""The shared great-circle distance (used by the embedded index and the gazetteer)."""

import pytest

from newsflow.geo import EARTH_RADIUS_KM, haversine_km


def test_same_point_is_zero_and_distance_is_symmetric() -> None:
    assert haversine_km(48.2, 16.37, 48.2, 16.37) == 0
    there = haversine_km(40.0, -3.7, 59.3, 18.1)
    assert there == pytest.approx(haversine_km(59.3, 18.1, 40.0, -3.7))


def test_quarter_meridian_and_antipodes() -> None:
    # equator to pole is a quarter of a great circle; antipodes are half of one
    assert haversine_km(0, 0, 90, 0) == pytest.approx(EARTH_RADIUS_KM * 3.141592653589793 / 2)
    assert haversine_km(10, 20, -10, -160) == pytest.approx(EARTH_RADIUS_KM * 3.141592653589793)


def test_longitude_wraps_across_the_date_line() -> None:
    # one degree of longitude apart on the equator, either side of ±180
    assert haversine_km(0, 179.5, 0, -179.5) == pytest.approx(haversine_km(0, 0, 0, 1))
