"""A function run by a second process while the build goes on, so both cores work.

A process, not a thread: the build forks other workers (related papers), and forking a
process that runs threads can leave a lock held forever in the child."""

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


class BackgroundError(RuntimeError):
    pass


# A fork starts at once and shares the caller's memory, objects that cannot be pickled
# included; where there is none (not Linux), work meant for one runs in this process.
CAN_FORK = "fork" in multiprocessing.get_all_start_methods()


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


class Background:
    def __init__(self, function, *args, own_group: bool = False, fresh: bool = False):
        """Start function(*args) (a module-level function). With `own_group`, the
        process leads a process group of its own, so that stop() also ends the programs
        it runs. With `fresh`, it is a new interpreter that receives a copy of the
        arguments, not a fork: a fork keeps the whole build's memory, which counts while
        a long job runs beside it."""
        self.own_group = own_group
        self.fork = None
        self.child = None
        if fresh or not CAN_FORK:
            # A plain interpreter, not multiprocessing's "spawn": that one runs the
            # caller's main script again, which a script without a __main__ guard
            # does not survive.
            self.child = subprocess.Popen(
                [sys.executable, "-c", "from generator.background import _child; _child()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=own_group)
            try:
                pickle.dump((function, args), self.child.stdin)
                self.child.stdin.close()
            except BrokenPipeError:  # it died at start: wait() says so
                pass
        else:
            context = multiprocessing.get_context("fork")
            self.receiver, sender = context.Pipe(duplex=False)
            self.fork = context.Process(target=_run, args=(function, args, own_group, sender),
                                        daemon=True)
            self.fork.start()
            sender.close()

    def alongside(self, work):
        """(work(), the function's result): work() runs here while the process runs. If
        work() fails, the process is stopped."""
        try:
            mine = work()
        except BaseException:
            self.stop()
            raise
        return mine, self.wait()

    def wait(self):
        """The function's result; its exception is raised here as a BackgroundError."""
        try:
            if self.fork:
                outcome, value = self.receiver.recv()
            else:
                outcome, value = pickle.load(self.child.stdout)
        except (EOFError, pickle.UnpicklingError):
            outcome, value = "error", "the process ended unexpectedly"
        finally:
            self._join()
        if outcome == "error":
            raise BackgroundError(value)
        return value

    def stop(self) -> None:
        pid = self.fork.pid if self.fork else self.child.pid
        try:
            if self.own_group:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._join()

    def _join(self) -> None:
        if self.fork:
            self.fork.join()
        else:
            self.child.stdout.close()
            self.child.wait()


def _outcome(function, args) -> tuple[str, object]:
    try:
        return "done", function(*args)
    except RuntimeError as e:  # ours: the message says what failed
        return "error", str(e)
    except Exception as e:
        return "error", f"{type(e).__name__}: {e}"


def _run(function, args, own_group, sender) -> None:
    """A fork's side: the outcome goes back through the pipe."""
    if own_group:
        os.setsid()
    sender.send(_outcome(function, args))


def _child() -> None:
    """A fresh interpreter's side: (function, args) come on stdin, the outcome goes back
    on stdout; anything the function prints goes to stderr instead."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    function, args = pickle.load(sys.stdin.buffer)
    pickle.dump(_outcome(function, args), channel)
    channel.close()
