"""Work beside the build, so that both cores of a small machine work.

There is one way to run work beside the build, `Worker`: a process pool of one
(concurrent.futures) forked from the build, which shares the build's memory (objects
that cannot be pickled included) and runs the tasks handed to it in order. The one
exception is a task that must not hold a copy of the build's memory while it runs long
(the search index) or must outlive the build (deleting the previous site): `Fresh`
starts it in a new interpreter that receives a copy of its arguments.

When and how work is split is set by one `Tuning`, passed in by the caller. With
`processes=False`, or where there is no fork (not Linux), every task runs in the build's
own process when its result is asked for, and the output is the same.

Processes, not threads: MkDocs, Jinja2 and the related-papers products are Python that
holds the interpreter lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import traceback
from contextlib import contextmanager
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from generator.errors import PaperDigestError

CAN_FORK = "fork" in multiprocessing.get_all_start_methods()


@dataclass(frozen=True)
class Tuning:
    """When work goes to a second process, and the sizes the build works in. The
    defaults suit real archives; tests set them low so that the sample takes every path
    (a second process, the search index's shards and recent bundle) that large archives take."""

    processes: bool = True  # False: every task in the build's own process
    parse_apart_from: int = 2_000_000  # bytes of digests to parse before a fork helps
    render_apart_from: int = 2000  # papers before a fork helps render their pages
    related_apart_from: int = 500  # papers before the comparison goes to a fork
    related_block: int = 1000  # rows compared at a time (1,000 x 10,000 is 40 MB)
    # The build's process joins the comparison when it needs the answer and at least
    # this many blocks are left: it first makes the vectors itself (a fifth of the work
    # at 20,000 papers), which a block or two would not repay.
    related_join_from: int = 4
    search_small: int = 2000  # below this many documents every shard is indexed afresh
    # Documents in a shard of the search index: Pagefind needs about 140 KB a document
    # at its peak (2.8 GB at 20,000); each shard costs the browser its index's metadata
    # (about 10 bytes a document) and the words' chunks a query needs.
    search_shard: int = 20_000
    search_rebuild_share: float = 0.1  # changed documents that make a new base bundle
    search_ballast: int = 1000  # unchanged documents the recent bundle holds (search.py)

    @property
    def apart(self) -> bool:
        """Whether work may go to a second process at all."""
        return self.processes and CAN_FORK


DEFAULT = Tuning()
_NO_STATE = object()


class WorkerFailed(RuntimeError):
    """A task failed in a second process with an unexpected error (a bug): the message
    carries that process's traceback."""


class Worker:
    """A forked process that runs tasks for the build, one after another.

    With `state`, each task is called as fn(state, *args): the state is the build's
    own object, inherited by the fork rather than copied into it, so it may be large or
    unpicklable (a renderer, the vectors of every paper). Task functions must be
    module-level; their arguments and results are pickled."""

    def __init__(self, tuning: Tuning = DEFAULT, state=_NO_STATE):
        self.state = state
        self.pool = None
        if tuning.apart:
            self.pool = ProcessPoolExecutor(max_workers=1,
                                            mp_context=multiprocessing.get_context("fork"),
                                            initializer=_adopt, initargs=(state,))
            # The first task: the worker's pid, to stop it (tasks run in order, so this
            # one is answered as soon as the process is up).
            self._pid = self.pool.submit(os.getpid)

    def submit(self, fn, *args):
        """A future of fn's result (concurrent.futures.Future, or one that computes it
        here when asked)."""
        if self.pool is None:
            return _Later(fn, args if self.state is _NO_STATE else (self.state, *args))
        return self.pool.submit(_call, fn, *args)

    def stop(self) -> None:
        """End the process now, whatever it is doing (a build that failed)."""
        if self.pool is None:
            return
        try:
            os.kill(self._pid.result(), signal.SIGKILL)
        except (ProcessLookupError, BrokenProcessPool, CancelledError):  # gone, or never up
            pass
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def alongside(self, future, work):
        """(work(), future's result): work() runs here meanwhile. If either fails, the
        process is stopped."""
        try:
            mine = work()
            return mine, future.result()
        except BaseException:
            self.stop()
            raise
        finally:
            self.close()


_STATE = _NO_STATE


def _adopt(state) -> None:
    global _STATE
    _STATE = state
    # A build stopped by a signal does not stop its pool: its worker, blocked on a pipe
    # it holds both ends of, would wait for ever.
    die_with_parent()
    # What the fork inherits stays the build's: its collector need not walk it (and by
    # walking it, copy the pages it is on).
    gc.freeze()
    gc.enable()


def _call(fn, *args):
    return fn(*args) if _STATE is _NO_STATE else fn(_STATE, *args)


class _Later:
    """A task for the build's own process, run when its result is first asked for."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args
        self.state = "pending"
        self.value = None

    def cancel(self) -> bool:
        if self.state == "pending":
            self.state = "cancelled"
        return self.state == "cancelled"

    def cancelled(self) -> bool:
        return self.state == "cancelled"

    def running(self) -> bool:
        return False

    def done(self) -> bool:
        return self.state != "pending"

    def result(self):
        if self.state == "pending":
            self.value, self.state = self.fn(*self.args), "done"
        return self.value


class Fresh:
    """fn(*args) in a new interpreter, fed a pickled copy of the arguments on stdin.

    Not multiprocessing's "spawn", which runs the caller's main script again (a script
    without a __main__ guard would build twice). The process leads a process group of
    its own, so that stop() also ends the programs it runs. `detached`: nobody waits for
    it, and it outlives the build."""

    def __init__(self, fn, *args, tuning: Tuning = DEFAULT, detached: bool = False):
        self.later = None if tuning.apart else _Later(fn, args)
        if self.later:
            if detached:
                self.later.result()
            return
        # One that is waited for dies with the build: a killed build's search index
        # must not go on writing beside the site after the next build cleared it.
        self.child = subprocess.Popen(
            [sys.executable, "-c", "from generator.parallel import _fresh_child; _fresh_child()"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL if detached else subprocess.PIPE,
            stderr=subprocess.DEVNULL if detached else None, start_new_session=True,
            preexec_fn=None if detached else die_with_parent)
        try:
            pickle.dump((fn, args), self.child.stdin)
            self.child.stdin.close()
        except BrokenPipeError:  # it died at start: result() says so
            pass

    def result(self):
        if self.later:
            return self.later.result()
        try:
            outcome, value = pickle.load(self.child.stdout)
        except (EOFError, pickle.UnpicklingError):
            outcome, value = "bug", "the process ended unexpectedly"
        finally:
            self.child.stdout.close()
            self.child.wait()
        if outcome == "error":
            raise value
        if outcome == "bug":
            raise WorkerFailed(value)
        return value

    def stop(self) -> None:
        if self.later:
            return
        try:
            os.killpg(self.child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.child.stdout.close()
        self.child.wait()


def _fresh_child() -> None:
    """The new interpreter's side: (fn, args) come on stdin, the outcome goes back on
    stdout; anything the function prints goes to stderr instead."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    fn, args = pickle.load(sys.stdin.buffer)
    try:
        outcome = ("done", fn(*args))
    except PaperDigestError as e:  # expected: the build reports it as it is
        outcome = ("error", e)
    except Exception:
        outcome = ("bug", traceback.format_exc())
    pickle.dump(outcome, channel)
    channel.close()


def die_with_parent() -> None:
    """For a child process, before it runs: on Linux it is killed when the process that
    started it ends, killed or not (elsewhere nothing is done)."""
    if _LIBC is not None and hasattr(_LIBC, "prctl"):
        _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@contextmanager
def lasting_objects():
    """For the build's stages: the cyclic garbage collector is off while they make the
    objects that last to the end (`made()` marks the end: the papers, read, merged and
    classified), which are then frozen out of its collections, until the stages end.

    An archive's papers are millions of objects with no reference cycles to collect,
    and every full collection walked all of them again: a third of the time it took to
    read and merge 75,000 papers' digests, and a fifth of making papers.json."""
    gc.disable()
    try:
        yield lambda: (gc.freeze(), gc.enable())
    finally:
        gc.unfreeze()
        gc.enable()


def give_back_memory() -> None:
    """Return the memory this process has freed to the system.

    The C allocator keeps freed memory for reuse, and after a stage that made and
    dropped many page-sized strings that is hundreds of megabytes (at 10,000 papers the
    build's process held about 570 MB, and 240 MB after this) while Pagefind, in
    another process, needs the machine's memory most. glibc's malloc_trim releases it;
    elsewhere this only collects garbage."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


_LIBC = _libc()
