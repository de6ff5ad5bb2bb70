"""Memory the SBML document will fill, touched ahead on the compiler's second core.

libsbml's objects are large (a species reference 1.6 KB, a node of a formula 0.6 KB: three
Syn3A VMs' document fills about 550 MB of C heap) and the first write to each fresh page costs
a page fault. On the virtual machines this project is measured on, a fault on a page the
process has never touched costs 4-10 us (the hypervisor backs the page then), so building that
document spent 0.3-0.5 s of its 1.4 s in faults, while the second core sat idle through the
rules and the network before it.

:func:`touched_ahead` asks C's allocator for the memory the document will need, in chunks, and
a background thread writes every page of them (``memset`` through ctypes, which runs without
Python's lock); when the document is about to be built the chunks are freed back to the
allocator, so libsbml's allocations land on pages already mapped. Measured on three Syn3A VMs
(2 cores, alternating runs): the SBML stage 1.37-1.51 s -> 1.20-1.32 s; its page faults
135,000 -> 37,000.

The chunks must come from the allocator's heap, not from separate mappings it would return to
the system on free, and must not be trimmed from the heap when freed: the allocator is told so
(``mallopt``: allocations up to 32 MB from the heap, the heap's top kept), and the top is let go
again above 64 MB once the document is built (what glibc's own adaptive thresholds settle at).
This is glibc's allocator; elsewhere (musl, macOS, Windows) nothing is touched ahead.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import platform
import threading
from contextlib import contextmanager
from typing import Iterator

CHUNK = 16 << 20               # bytes per chunk (below glibc's largest heap allocation, 32 MB)
BYTES_PER_GENE = 300 << 10     # the document's heap per expressed gene: 553 MB / 1,479 genes, less a fifth
LEAST = 64 << 20               # smaller designs: not worth a thread
MOST = 3 << 29                 # 1.5 GB at most (and below C's INT_MAX, what mallopt takes)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_HEAP_ALLOCATION_MAX = 32 << 20      # glibc's ceiling on M_MMAP_THRESHOLD (64-bit)
_TOP_KEPT_AFTER = 64 << 20


def _glibc():
    """libc through ctypes, where it is glibc (else None)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.restype, libc.free.argtypes = None, [ctypes.c_void_p]
    libc.mallopt.restype, libc.mallopt.argtypes = ctypes.c_int, [ctypes.c_int, ctypes.c_int]
    return libc


class _Touching:
    """Chunks of the C heap and the thread writing their pages."""

    def __init__(self, libc, chunks: int):
        self.libc = libc
        self.chunks = [address for address in (libc.malloc(CHUNK) for _ in range(chunks)) if address]
        self.thread = threading.Thread(target=self._touch, name="bioxen-heap", daemon=True)
        self.thread.start()

    def _touch(self) -> None:
        for address in self.chunks:
            ctypes.memset(address, 0, CHUNK)

    def hand_over(self) -> None:
        """Wait for the thread, then free the chunks to the allocator (never while it writes)."""
        self.thread.join()
        for address in self.chunks:
            self.libc.free(address)
        self.chunks = []


@contextmanager
def touched_ahead(genes: int) -> Iterator[_Touching | None]:
    """Touch the heap a document of ``genes`` expressed genes will fill, in a background
    thread; the caller calls ``hand_over()`` on what this yields (None: nothing was touched)
    just before building the document. Leaving the block hands over anything not handed over,
    and lets the allocator trim its heap again."""
    size = min(genes * BYTES_PER_GENE, MOST)
    libc = _glibc() if size >= LEAST else None
    if libc is None or not (libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_ALLOCATION_MAX)
                            and libc.mallopt(_M_TRIM_THRESHOLD, MOST + CHUNK)):
        yield None
        return
    touching = _Touching(libc, -(-size // CHUNK))
    try:
        yield touching
    finally:
        touching.hand_over()
        libc.mallopt(_M_TRIM_THRESHOLD, _TOP_KEPT_AFTER)
