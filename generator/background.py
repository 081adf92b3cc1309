"""A function run by a second process while the build goes on, so both cores work.

A process, not a thread: the build forks other workers (related papers), and forking a
process that runs threads can leave a lock held forever in the child."""

from __future__ import annotations

import multiprocessing
import os
import signal


class BackgroundError(RuntimeError):
    pass


class Background:
    def __init__(self, function, *args, own_group: bool = False, fresh: bool = False):
        """Start function(*args). With `own_group`, the process leads a process group of
        its own, so that stop() also ends the programs it runs. With `fresh`, it is a new
        interpreter that receives the arguments (a copy), not a fork: a fork keeps the
        whole build's memory, which counts while a long job runs beside it."""
        methods = multiprocessing.get_all_start_methods()
        fork = "fork" in methods and not fresh
        context = multiprocessing.get_context("fork" if fork else "spawn")
        self.receiver, sender = context.Pipe(duplex=False)
        self.own_group = own_group
        self.process = context.Process(target=_run, args=(function, args, own_group, sender),
                                       daemon=True)
        self.process.start()
        sender.close()

    def wait(self):
        """The function's result; its exception is raised here as a BackgroundError."""
        try:
            outcome, value = self.receiver.recv()
        except EOFError:
            outcome, value = "error", f"the process ended unexpectedly ({self.process.exitcode})"
        self.process.join()
        if outcome == "error":
            raise BackgroundError(value)
        return value

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                if self.own_group:
                    os.killpg(self.process.pid, signal.SIGKILL)
                else:
                    self.process.kill()
            except ProcessLookupError:
                pass
        self.process.join()


def _run(function, args, own_group, sender) -> None:
    if own_group:
        os.setsid()
    try:
        result = function(*args)
    except RuntimeError as e:  # ours: the message says what failed
        sender.send(("error", str(e)))
    except Exception as e:
        sender.send(("error", f"{type(e).__name__}: {e}"))
    else:
        sender.send(("done", result))
