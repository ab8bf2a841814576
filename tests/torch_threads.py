"""A fixture for test modules that play many episodes with tiny networks.

Import it into a test module (``from tests.torch_threads import one_torch_thread``): pytest
then runs that module's tests with torch on one thread, and restores the count afterwards.
"""

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny networks on one observation at a time: one thread is many times faster."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
