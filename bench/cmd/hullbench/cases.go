package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// bench holds what every case needs.
type bench struct {
	rts     []runtimeCmd
	b       *bundles
	n       int
	scratch string
	seq     int
	res     *results
	// live are containers that may need a forced delete if a case fails.
	live map[string][]string
}

// order is the interleaving for round i: A B C, then B C A, ..., so no
// runtime always runs right after the same other one (page cache, CPU
// frequency and cgroup teardown of the previous container are shared).
func (bn *bench) order(i int) []runtimeCmd {
	k := i % len(bn.rts)
	return append(append([]runtimeCmd(nil), bn.rts[k:]...), bn.rts[:k]...)
}

func (bn *bench) newID(rt runtimeCmd) string {
	bn.seq++
	id := fmt.Sprintf("hb-%s-%d-%d", rt.Name, os.Getpid(), bn.seq)
	bn.live[rt.Name] = append(bn.live[rt.Name], id)
	return id
}

func (bn *bench) forget(rt runtimeCmd, id string) {
	ids := bn.live[rt.Name]
	for i, x := range ids {
		if x == id {
			bn.live[rt.Name] = append(ids[:i], ids[i+1:]...)
			return
		}
	}
}

// cleanup force-deletes whatever a failed case left behind.
func (bn *bench) cleanup() {
	for _, rt := range bn.rts {
		for _, id := range bn.live[rt.Name] {
			_, _ = rt.invoke("/", "delete", "--force", id)
		}
		bn.live[rt.Name] = nil
	}
	reapStray()
}

func (bn *bench) pidFile(id string) string { return filepath.Join(bn.scratch, id+".pid") }

// warmup runs each runtime a few times unmeasured: the first runs fault in
// the binaries and the rootfs.
//
// Each binary is first dropped from the page cache. The kernel maps whole
// large folios on a fault, and their sizes depend on how the file entered
// the page cache: the same hull binary shows up to 1 MB more RSS fresh from
// the linker than after a copy or an eviction (docs/performance.md). Read
// back by exec's readahead, every runtime is measured the same way, as it is
// once installed.
func (bn *bench) warmup() {
	for _, rt := range bn.rts {
		evict(rt.Path)
	}
	for i := 0; i < 3; i++ {
		for _, rt := range bn.rts {
			id := bn.newID(rt)
			if _, err := rt.invoke(bn.b.True, "run", id); err != nil {
				bn.res.fail("warmup", rt.Name, err)
			}
			bn.forget(rt, id)
		}
	}
}

// caseRun: `run` of /bin/true, the whole lifecycle in one command, and the
// floor: the same namespaces and chroot with no runtime at all.
func (bn *bench) caseRun(name, bundle string, withFloor bool) {
	got := map[string][]sample{}
	for i := 0; i < bn.n; i++ {
		for _, rt := range bn.order(i) {
			id := bn.newID(rt)
			s, err := rt.invoke(bundle, "run", id)
			if err != nil {
				bn.res.fail(name, rt.Name, err)
				_, _ = rt.invoke("/", "delete", "--force", id)
			} else {
				got[rt.Name] = append(got[rt.Name], s)
			}
			bn.forget(rt, id)
		}
		if withFloor {
			s, err := measure("/", "unshare", "-fpmiun", "--mount-proc="+filepath.Join(bn.b.Rootfs, "proc"), "chroot", bn.b.Rootfs, "/bin/true")
			if err != nil {
				bn.res.fail(name, "floor", err)
			} else {
				got["floor"] = append(got["floor"], s)
			}
		}
	}
	for rt, ss := range got {
		bn.res.add(name, rt, ss)
	}
}

// caseLifecycle: create, start and delete measured each alone; the init's
// own CPU (collected when it exits, we are its subreaper) is added to the
// lifecycle total, and its RSS is read while it waits to be started.
func (bn *bench) caseLifecycle() {
	create, start, del, life := map[string][]sample{}, map[string][]sample{}, map[string][]sample{}, map[string][]sample{}
	initRSS := map[string][]float64{}
	for i := 0; i < bn.n; i++ {
		for _, rt := range bn.order(i) {
			id := bn.newID(rt)
			pf := bn.pidFile(id)
			c, err := rt.invoke(bn.b.True, "create", "--pid-file", pf, id)
			if err != nil {
				bn.res.fail("create", rt.Name, err)
				bn.cleanup()
				continue
			}
			pid, err := readPidFile(pf)
			_ = os.Remove(pf)
			if err != nil {
				bn.res.fail("create", rt.Name, err)
				bn.cleanup()
				continue
			}
			if kb, err := vmRSSKB(pid); err == nil {
				initRSS[rt.Name] = append(initRSS[rt.Name], float64(kb))
			}
			s, err := rt.invoke("/", "start", id)
			if err != nil {
				bn.res.fail("start", rt.Name, err)
				bn.cleanup()
				continue
			}
			initCPU, err := reapInit(pid, 10*time.Second)
			if err != nil {
				bn.res.fail("start", rt.Name, err)
				bn.cleanup()
				continue
			}
			d, err := rt.invoke("/", "delete", id)
			if err != nil {
				bn.res.fail("delete", rt.Name, err)
				bn.cleanup()
				continue
			}
			bn.forget(rt, id)
			create[rt.Name] = append(create[rt.Name], c)
			start[rt.Name] = append(start[rt.Name], s)
			del[rt.Name] = append(del[rt.Name], d)
			life[rt.Name] = append(life[rt.Name], sample{
				Wall:     c.Wall + s.Wall + d.Wall,
				CPU:      c.CPU + s.CPU + d.CPU + initCPU,
				MaxRSSKB: max(c.MaxRSSKB, s.MaxRSSKB, d.MaxRSSKB),
			})
		}
	}
	for rt := range create {
		bn.res.add("create", rt, create[rt])
		bn.res.add("start", rt, start[rt])
		bn.res.add("delete", rt, del[rt])
		bn.res.add("create+start+delete", rt, life[rt])
		bn.res.addKB("created-init-rss", rt, initRSS[rt])
	}
	reapStray()
}

// caseExec: `exec /bin/true` into one running container per runtime,
// started from bundle.
func (bn *bench) caseExec(name, bundle string) {
	ids := map[string]string{}
	for _, rt := range bn.rts {
		id := bn.newID(rt)
		if _, err := rt.invoke(bundle, "run", "--detach", id); err != nil {
			bn.res.fail(name, rt.Name, err)
			continue
		}
		ids[rt.Name] = id
	}
	got := map[string][]sample{}
	for i := 0; i < bn.n; i++ {
		for _, rt := range bn.order(i) {
			id, ok := ids[rt.Name]
			if !ok {
				continue
			}
			s, err := rt.invoke("/", "exec", id, "/bin/true")
			if err != nil {
				bn.res.fail(name, rt.Name, err)
				continue
			}
			got[rt.Name] = append(got[rt.Name], s)
		}
	}
	for rt, ss := range got {
		bn.res.add(name, rt, ss)
	}
	bn.cleanup()
}

// caseSequential: count containers created and started one after the other
// (crun's README benchmark), then all deleted; one total per runtime, CPU
// including every container init.
func (bn *bench) caseSequential(count int) {
	name := "sequential-" + strconv.Itoa(count)
	for _, rt := range bn.order(0) {
		var total sample
		var ids []string
		var pids []int
		ok := true
		settleNetns()
		t0 := time.Now()
		for i := 0; i < count && ok; i++ {
			id := bn.newID(rt)
			pf := bn.pidFile(id)
			c, err := rt.invoke(bn.b.True, "create", "--pid-file", pf, id)
			ids = append(ids, id)
			if err != nil {
				bn.res.fail(name, rt.Name, err)
				ok = false
				break
			}
			pid, err := readPidFile(pf)
			_ = os.Remove(pf)
			if err != nil {
				bn.res.fail(name, rt.Name, err)
				ok = false
				break
			}
			pids = append(pids, pid)
			s, err := rt.invoke("/", "start", id)
			if err != nil {
				bn.res.fail(name, rt.Name, err)
				ok = false
				break
			}
			total.CPU += c.CPU + s.CPU
			total.MaxRSSKB = max(total.MaxRSSKB, c.MaxRSSKB, s.MaxRSSKB)
		}
		for _, pid := range pids {
			cpu, err := reapInit(pid, 10*time.Second)
			if err != nil {
				bn.res.fail(name, rt.Name, err)
				ok = false
			}
			total.CPU += cpu
		}
		for _, id := range ids {
			d, err := rt.invoke("/", "delete", id)
			if err != nil {
				bn.res.fail(name, rt.Name, err)
				ok = false
				continue
			}
			bn.forget(rt, id)
			total.CPU += d.CPU
		}
		total.Wall = time.Since(t0)
		if ok {
			bn.res.add(name, rt.Name, []sample{total})
		}
		bn.cleanup()
	}
}

// caseParallel: count creates at once, rounds times per runtime
// (interleaved, medians over the batches: one batch moves by 10-30 % here);
// per batch the total wall time until the last one
// returns, summed CPU, and failures. The containers are then started,
// reaped and deleted unmeasured.
func (bn *bench) caseParallel(count, rounds int) {
	name := "parallel-create-" + strconv.Itoa(count)
	got := map[string][]sample{}
	failed := map[string]int{}
	for r := 0; r < rounds; r++ {
		for _, rt := range bn.order(r) {
			total, failures := bn.parallelBatch(name, rt, count)
			got[rt.Name] = append(got[rt.Name], total)
			failed[rt.Name] += failures
		}
	}
	for _, rt := range bn.rts {
		bn.res.add(name, rt.Name, got[rt.Name])
		bn.res.setFailures(name, rt.Name, failed[rt.Name])
	}
}

// parallelBatch creates count containers at once with rt and returns the
// batch's wall time, summed CPU and largest RSS, then starts and deletes
// them unmeasured.
func (bn *bench) parallelBatch(name string, rt runtimeCmd, count int) (sample, int) {
	ids := make([]string, count)
	var samples []sample
	var errs []error
	var total sample
	settleNetns()
	if spawner != "" {
		// One C process forks all of them at once (rusage.c.in -n).
		bn.seq++
		prefix := fmt.Sprintf("hb-%s-%d-%d-b", rt.Name, os.Getpid(), bn.seq)
		for i := range ids {
			ids[i] = prefix + strconv.Itoa(i)
			bn.live[rt.Name] = append(bn.live[rt.Name], ids[i])
		}
		wall, ss, es, err := measureBatch(bn.b.True, count, rt.Path,
			rt.args("create", "--pid-file", bn.pidFile(prefix+"%I"), prefix+"%I")...)
		if err != nil {
			bn.res.fail(name, rt.Name, err)
			bn.cleanup()
			return sample{}, count
		}
		samples, errs, total = ss, es, sample{Wall: wall}
	} else {
		for i := range ids {
			ids[i] = bn.newID(rt)
		}
		samples = make([]sample, count)
		errs = make([]error, count)
		var wg sync.WaitGroup
		t0 := time.Now()
		for i := range ids {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				samples[i], errs[i] = rt.invoke(bn.b.True, "create", "--pid-file", bn.pidFile(ids[i]), ids[i])
			}(i)
		}
		wg.Wait()
		total = sample{Wall: time.Since(t0)}
	}
	failures := 0
	for i := range ids {
		if errs[i] != nil {
			failures++
			bn.res.fail(name, rt.Name, errs[i])
			continue
		}
		total.CPU += samples[i].CPU
		total.MaxRSSKB = max(total.MaxRSSKB, samples[i].MaxRSSKB)
	}
	for i, id := range ids {
		if errs[i] != nil {
			continue
		}
		pid, err := readPidFile(bn.pidFile(id))
		_ = os.Remove(bn.pidFile(id))
		if _, serr := rt.invoke("/", "start", id); serr == nil && err == nil {
			_, _ = reapInit(pid, 10*time.Second)
		}
		if _, err := rt.invoke("/", "delete", "--force", id); err == nil {
			bn.forget(rt, id)
		}
	}
	bn.cleanup()
	return total, failures
}

// evict drops path's clean pages from the page cache (best effort).
func evict(path string) {
	if p, err := exec.LookPath(path); err == nil {
		path = p
	}
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	// Dirty pages are not dropped: a binary fresh from the linker keeps
	// the folios it was written in until written back. Write back first.
	_ = unix.Fdatasync(int(f.Fd()))
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
