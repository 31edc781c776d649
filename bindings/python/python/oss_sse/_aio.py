"""The asyncio future an ``AsyncClient`` method returns.

It is an ``asyncio.Future`` whose ``cancel()`` also aborts the Rust operation behind it
(set by the binding as ``_oss_abort``). Overriding ``cancel`` instead of adding a done
callback keeps a completed operation to one callback on the loop: the awaiting task's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class OperationFuture(asyncio.Future[Any]):
    """An ``asyncio.Future`` resolved by the binding; cancelling it aborts the request."""

    _oss_abort: Callable[[], None] | None = None

    def cancel(self, msg: Any | None = None) -> bool:
        abort = self._oss_abort
        if abort is not None and not self.done():
            self._oss_abort = None
            abort()
        return super().cancel(msg)


async def next_chunk(iterator: Any) -> Any:
    """The next item of an async iterator, or None at its end (the binding streams an upload
    from an async iterator by running this on the caller's loop for each chunk)."""
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return None


def pull_from_loop(iterator: Any, loop: asyncio.AbstractEventLoop) -> Any:
    """Runs :func:`next_chunk` on ``loop`` from a worker thread and waits for it; raises
    if the loop stops or closes first (nothing would ever run it)."""
    if loop.is_closed():
        raise RuntimeError("the event loop of the upload closed before its data was read")
    future = asyncio.run_coroutine_threadsafe(next_chunk(iterator), loop)
    while True:
        try:
            return future.result(timeout=0.5)
        except TimeoutError:
            if loop.is_closed() or not loop.is_running():
                future.cancel()
                raise RuntimeError(
                    "the event loop of the upload stopped before its data was read"
                ) from None
