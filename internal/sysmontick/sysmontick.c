/*
 * A coarser tick for the Go runtime's sysmon thread.
 *
 * sysmon sleeps usleep(20) between checks, and goes back to 20 us whenever it
 * retakes a P from a syscall; only after 50 idle checks in a row does it
 * double the sleep. Under the default 50 us timer slack that is a wake-up
 * every ~70 us for the whole life of a CLI that lasts a few milliseconds:
 * about 55 wake-ups in one `hull run` (perf sched:sched_switch), each a
 * hrtimer armed and an idle CPU woken, which in a VM are traps. perf put 4.7%
 * of a run's samples in sysmon's nanosleep path alone.
 *
 * The kernel lets a hrtimer sleep fire anywhere within the sleeping thread's
 * timer slack (prctl(2) PR_SET_TIMERSLACK), and a thread starts with its
 * creator's slack (copy_process). So the first thread the runtime creates,
 * which is sysmon (runtime.main creates it before any other M, before any
 * package init), is created with SYSMON_SLACK_NS, and every later thread
 * with the process's own slack again. Only sysmon's sleeps get coarser:
 * threads that fork hooks or the container's init, and so those processes,
 * keep the slack hull was started with.
 *
 * What a coarser sysmon costs a short-lived CLI: a P held by a goroutine in a
 * blocking syscall is handed off up to SYSMON_SLACK_NS later (hull runs one
 * P, and its goroutines hand work over through channels, not while blocked
 * in syscalls), and preemption of a goroutine running over 10 ms happens up
 * to that much later. Neither shows in a command that ends in milliseconds.
 * The one long-lived relay, an attached terminal (internal/console), gives
 * each of its goroutines a P of its own instead of waiting for sysmon.
 *
 * 10 ms rather than 1 ms (docs/performance.md, item 39): at 1 ms sysmon still
 * woke about 6 times per `run` (perf sched:sched_switch), and each wake-up
 * of an idle vCPU is dear in this VM: a `run` took 5-8 % less CPU at 10 ms
 * (bench/ab.py, n=400; 4 ms was half-way, 50 ms no better than 10).
 *
 * The linker's --wrap (cgo LDFLAGS in sysmontick.go) sends runtime/cgo's
 * pthread_create calls here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>

#define SYSMON_SLACK_NS 10000000UL

/*
 * And a late start: sysmon's thread sleeps SYSMON_DELAY_NS before the
 * runtime's code runs on it, so a command that ends sooner has no sysmon
 * wake-up at all. Under load even a coarse slack does not keep sysmon
 * asleep: a sleep with slack ends at the first timer interrupt on its CPU
 * after 20 us, and with 20 hull processes starting at once there is one
 * every tick (128 of 714 context switches in a batch of 20 parallel creates
 * were sysmon's nanosleeps, perf sched:sched_switch). Until sysmon starts,
 * a P left in a blocking syscall is not handed on; hull's one relay that
 * needs that, an attached terminal, gives its goroutines Ps of their own
 * (internal/console), and anything else waits at most this long, once.
 */
#define SYSMON_DELAY_NS 100000000L

int __real_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			  void *(*start)(void *), void *arg);

static unsigned long threads_created;
static unsigned long process_slack;

/* hull_sysmon_slack and hull_process_slack let the test check the values. */
unsigned long hull_sysmon_slack(void) { return SYSMON_SLACK_NS; }
unsigned long hull_process_slack(void) { return process_slack; }

static void *(*sysmon_start)(void *);
static void *sysmon_arg;
static long created_ns, started_ns;

static long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void *late_sysmon(void *unused)
{
	struct timespec ts = { SYSMON_DELAY_NS / 1000000000L, SYSMON_DELAY_NS % 1000000000L };

	(void)unused;
	/* The runtime creates its threads with every signal blocked. */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	__atomic_store_n(&started_ns, now_ns(), __ATOMIC_RELEASE);
	return sysmon_start(sysmon_arg);
}

/* For the test: the delay, and how long sysmon waited (-1: not yet). */
long hull_sysmon_delay(void) { return SYSMON_DELAY_NS; }
long hull_sysmon_waited(void)
{
	long s = __atomic_load_n(&started_ns, __ATOMIC_ACQUIRE);
	return s == 0 ? -1 : s - created_ns;
}

int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			  void *(*start)(void *), void *arg)
{
	unsigned long n = __atomic_fetch_add(&threads_created, 1, __ATOMIC_RELAXED);
	long cur = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	unsigned long want;
	int err;

	if (cur < 0)
		return __real_pthread_create(thread, attr, start, arg);
	if (n == 0) {
		/* Still single-threaded: the main thread's slack is the process's. */
		process_slack = (unsigned long)cur;
		want = process_slack > SYSMON_SLACK_NS ? process_slack : SYSMON_SLACK_NS;
		sysmon_start = start;
		sysmon_arg = arg;
		created_ns = now_ns();
		start = late_sysmon;
		arg = NULL;
	} else {
		want = process_slack;
	}
	if (want == (unsigned long)cur)
		return __real_pthread_create(thread, attr, start, arg);
	prctl(PR_SET_TIMERSLACK, want, 0, 0, 0);
	err = __real_pthread_create(thread, attr, start, arg);
	prctl(PR_SET_TIMERSLACK, (unsigned long)cur, 0, 0, 0);
	return err;
}
