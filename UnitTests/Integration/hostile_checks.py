"""A check shared by the test_hostile_* modules: no hostile request makes Orthanc's memory grow beyond what
one accepted volume costs. Import the fixture into a module to apply it to each of its tests:

    from hostile_checks import peak_memory_bounded  # noqa: F401 (autouse fixture)

Before each test the peak RSS (VmHWM) of every Orthanc of the session is reset to its current RSS; after it,
the peak may exceed that by at most PEAK_GROWTH_BOUND. The servers' limits are small (conftest MAX_UPLOAD_MB
and MAX_VOLUME_MB, or test_hostile_limits' own), so the bound is the body, a decoded volume and its slices
with room for the allocator, far below what the defects fixed here cost (a 4 GB buffer, a 533 MB instance).
Under the sanitizer suite ASan's shadow memory and quarantine add to every allocation:
$NIFTI_TEST_EXTRA_RSS_MB raises the bound by that much."""

import os

import pytest

import conftest

PEAK_GROWTH_BOUND = (64 + int(os.environ.get("NIFTI_TEST_EXTRA_RSS_MB", "0"))) * 1024 * 1024


def _servers():
    return [s for s in [conftest._SERVER] + list(conftest._EXTRA_SERVERS) if s is not None and s.is_running()]


@pytest.fixture(autouse=True)
def peak_memory_bounded():
    servers = _servers()
    start = {}
    for server in servers:
        server.reset_peak_memory()
        start[id(server)] = server.memory()["VmRSS"]
    yield
    for server in servers:
        if not server.is_running():
            continue   # the test itself says that Orthanc died
        growth = server.memory()["VmHWM"] - start[id(server)]
        assert growth < PEAK_GROWTH_BOUND, "the peak RSS of Orthanc %r grew by %d MB during the test (bound %d MB)" \
            % (server.name, growth >> 20, PEAK_GROWTH_BOUND >> 20)
