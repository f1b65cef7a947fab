#!/usr/bin/env python3
"""A/B of `run` with a terminal: tty-ab.py BUNDLE OLD NEW [N]

`hullbench` has no terminal case (a terminal needs a pty on stdin), so this
runs `hull run` of BUNDLE (its config.json must say process.terminal: true)
under script(1), which supplies the pty, alternating OLD and NEW N times
(default 60), and prints the medians of the CPU (wait4 rusage of the whole
tree, script's own share included) and wall time. Run as root, in a private
mount namespace: unshare -m --propagation private bench/tty-ab.py ...
"""
import os
import statistics
import sys
import time


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    bundle, bins = sys.argv[1], sys.argv[2:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 60
    root = "/run/hull-tty-ab"
    cpu = {b: [] for b in bins}
    wall = {b: [] for b in bins}
    for i in range(n):
        for b in bins if i % 2 == 0 else bins[::-1]:
            cmd = f"{b} --root {root} run --bundle {bundle} tty-ab-{os.getpid()}"
            t = time.monotonic()
            pid = os.fork()
            if pid == 0:
                fd = os.open("/dev/null", os.O_WRONLY)
                os.dup2(fd, 1)
                os.execvp("script", ["script", "-qec", cmd, "/dev/null"])
            _, status, ru = os.wait4(pid, 0)
            if status != 0:
                sys.exit(f"{cmd}: wait status {status}")
            wall[b].append((time.monotonic() - t) * 1000)
            cpu[b].append((ru.ru_utime + ru.ru_stime) * 1000)
    for b in bins:
        print(f"{b}: cpu {statistics.median(cpu[b]):.2f} ms, wall {statistics.median(wall[b]):.2f} ms (medians of {n})")


if __name__ == "__main__":
    main()
