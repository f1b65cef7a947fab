#!/usr/bin/env python3
"""A/B of two hull binaries: ab.py BUNDLE A B [N] [COMMAND...]

Runs `A run` and `B run` of BUNDLE (or, with COMMAND, e.g. `--version`,
that command instead) alternately, N times each (default 400), one
process tree at a time, and prints for each binary the median and mean CPU
time (wait4 rusage of the whole tree: hull, its init, the container) and
the median wall time, then B/A. For changes worth tens of microseconds,
below what `hullbench` can resolve on a noisy VM: the order alternates
(A B, B A, ...) so drift hits both alike. Run as root, in a private mount
namespace: unshare -m --propagation private bench/ab.py ...
"""
import os
import statistics
import sys
import time


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    bundle, bins = sys.argv[1], sys.argv[2:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 400
    command = sys.argv[5:]
    root = f"/run/hull-ab-{os.getpid()}"
    cpu = {b: [] for b in bins}
    wall = {b: [] for b in bins}
    devnull = os.open("/dev/null", os.O_RDWR)
    for i in range(n):
        for b in bins if i % 2 == 0 else bins[::-1]:
            argv = [b] + (command or ["--root", root, "run", "--bundle", bundle, f"ab-{i}"])
            t = time.monotonic()
            # posix_spawn (vfork): a fork of this interpreter would count
            # its copy-on-write faults into the child's rusage.
            pid = os.posix_spawn(b, argv, os.environ, file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2)])
            _, status, ru = os.wait4(pid, 0)
            if status != 0:
                sys.exit(f"{' '.join(argv)}: wait status {status}")
            wall[b].append((time.monotonic() - t) * 1000)
            cpu[b].append((ru.ru_utime + ru.ru_stime) * 1000)
    med = {}
    for b in bins:
        med[b] = statistics.median(cpu[b])
        print(f"{b}: cpu median {med[b]:.3f} ms, mean {statistics.mean(cpu[b]):.3f} ms, "
              f"wall median {statistics.median(wall[b]):.3f} ms (n={n})")
    a, bb = bins
    print(f"B/A cpu median {med[bb] / med[a]:.3f}, mean {statistics.mean(cpu[bb]) / statistics.mean(cpu[a]):.3f}")


if __name__ == "__main__":
    main()
