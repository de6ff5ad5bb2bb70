"""bioxen.heap: the C heap a genome-scale SBML document fills, touched ahead in a thread."""
from __future__ import annotations

import platform
import resource
import subprocess
import sys

import pytest

from bioxen import heap

GLIBC = heap._glibc() is not None
PAGE = resource.getpagesize()


def test_small_designs_touch_nothing():
    with heap.touched_ahead(genes=10) as touched:
        assert touched is None


def test_not_glibc_touches_nothing(monkeypatch):
    monkeypatch.setattr(platform, "libc_ver", lambda: ("", ""))
    with heap.touched_ahead(genes=100_000) as touched:
        assert touched is None


_HANDED_OVER = """
import ctypes, resource
from bioxen import heap
libc = heap._glibc()
blocks, size = 64, 1 << 20
genes = -(-(blocks * size + 2 * heap.CHUNK) // heap.BYTES_PER_GENE)
with heap.touched_ahead(genes) as touched:
    assert touched is not None and len(touched.chunks) >= blocks * size // heap.CHUNK
    touched.hand_over()
    assert not touched.thread.is_alive() and touched.chunks == []
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    addresses = [libc.malloc(size) for _ in range(blocks)]
    for address in addresses:
        ctypes.memset(address, 1, size)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not GLIBC, reason="touching ahead is for glibc's allocator only (the test above covers the rest)")
def test_memory_handed_over_is_already_mapped():
    """What the document allocates after the hand-over lands on pages the thread wrote: writing
    64 MB of 1 MB blocks then faults on under a quarter of its pages (a fresh page faults when
    it is first written). In a fresh interpreter, as the CLI compiles: a long-lived process's
    heap (a test worker's, after hundreds of tests) may place them elsewhere."""
    run = subprocess.run([sys.executable, "-c", _HANDED_OVER], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    faults = int(run.stdout)
    assert faults < 64 * (1 << 20) // PAGE // 4, faults


@pytest.mark.skipif(not GLIBC, reason="touching ahead is for glibc's allocator only")
def test_the_same_without_the_hand_over_faults_on_every_page():
    """The control: without the hand-over the same writes fault on (nearly) every page."""
    script = _HANDED_OVER.replace("    touched.hand_over()\n    assert not touched.thread.is_alive() and touched.chunks == []\n", "")
    assert script != _HANDED_OVER
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) > 64 * (1 << 20) // PAGE * 3 // 4


@pytest.mark.skipif(not GLIBC, reason="touching ahead is for glibc's allocator only")
def test_an_error_in_the_block_still_waits_for_the_thread_and_frees():
    with pytest.raises(RuntimeError):
        with heap.touched_ahead(genes=1000) as touched:
            raise RuntimeError("the rules failed")
    assert not touched.thread.is_alive() and touched.chunks == []
