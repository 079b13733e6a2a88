"""Give memory freed after loading the model back to the system (glibc only; elsewhere a no-op)."""

import ctypes
import ctypes.util
import gc


def release_free_memory():
    gc.collect()
    try:
        ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)
    except (OSError, AttributeError):
        pass
