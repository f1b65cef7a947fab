//go:build linux

/*
 * GOMAXPROCS=1 from the first instruction of the Go runtime.
 *
 * The runtime sizes its P array in schedinit, before any Go code runs, from
 * the GOMAXPROCS environment variable or else the CPU count. With two Ps,
 * runtime.main's gcenable() hands its two background goroutines to the
 * second P and starts a thread for it, and runtime.GOMAXPROCS(1) in a package
 * init then stops the world to take the P away again. That thread, its
 * wake-ups and the stop cost about 0.15 ms of CPU in every hull command on
 * this 2-CPU VM (docs/performance.md, seventh round).
 *
 * The runtime reads its environment from the block the kernel put on the
 * stack: argc, argv, NULL, envp, NULL, auxv (runtime.goenvs_unix walks past
 * argv, runtime.sysargs past envp to reach auxv). setenv(3) in a constructor
 * changes libc's environ, which the runtime never reads. So hull's ELF entry
 * point (the linker's -e, cgo LDFLAGS in oneproc_cgo.go) is hullentry
 * (entry_amd64.S): before libc's _start runs, it builds a copy of that block
 * further down the stack with GOMAXPROCS=1 added, unless the caller set
 * GOMAXPROCS, and starts _start on the copy. The strings stay where the
 * kernel put them and the kernel's block is left alone, so
 * /proc/<pid>/environ still shows what hull was started with; the Go side
 * (oneproc.go) takes the variable out of os.Environ() again, so no process
 * hull starts inherits it. (The linker's --wrap=main did the same later,
 * but it breaks the Go linker's probe of the C linker's flags, which then
 * leaves out -no-pie.)
 *
 * These run before libc is initialised: no libc calls, no TLS, no stack
 * protector (CFLAGS), nothing but loads and stores.
 */
#include <elf.h>

static char gomaxprocs_var[] = "GOMAXPROCS=1";
static int injected;

int hull_gomaxprocs_injected(void) { return injected; }

/*
 * One CPU, too. A hull command is a chain of hand-offs: between its main
 * thread and the set-up thread, the template thread that starts it, and the
 * runtime's idle Ms. Each wakes a thread that sleeps; with a second CPU idle
 * the kernel wakes it there, and waking an idle vCPU is dear in a VM (an IPI
 * and the hypervisor's wake-up of the vCPU, where a wake-up on the waker's own
 * CPU is a plain switch). The hand-offs never overlap work, so hull keeps
 * its threads on the CPU it was started on: hull_pin, before the runtime
 * starts any thread, so that every thread inherits the mask (`run` -6-8 %
 * CPU, bench/ab.py). The caller's mask is kept, and every process hull
 * starts gets it back (internal/oneproc's Go side: the init through
 * _HULL_CPUS, which internal/nsenter applies first thing, hooks and other
 * children by Unpinned). An init (a _HULL_ variable in its environment) is
 * not pinned: it restores its mask itself.
 *
 * Only on an idle machine, though: when hull starts, at most half the CPUs
 * of its mask may have a runnable task (/proc/loadavg's fourth field, the
 * kernel's nr_running at this instant, hull included). A pinned process can
 * never be moved by the load balancer, and twenty creates started at once
 * were pinned wherever exec had placed them: 14 on one CPU and 6 on the
 * other was common, and the other CPU then idled for a third of the batch
 * (docs/performance.md, item 44). Where a burst meets a busy machine, the
 * CPUs are busy anyway, and the idle-vCPU wake-ups that pinning saves are
 * rare. HULL_PIN=0 never pins, HULL_PIN=1 pins without looking at the load
 * (the tests that check the restored masks use it).
 */
#define HULL_CPU_WORDS 16 /* 1024 CPUs, glibc's cpu_set_t */
static unsigned long cpus_orig[HULL_CPU_WORDS];
static unsigned long cpus_pinned[HULL_CPU_WORDS];
static long cpus_len; /* bytes of mask the kernel uses; 0: not pinned */

long hull_cpus(unsigned long *orig, unsigned long *pinned)
{
	for (int i = 0; i < HULL_CPU_WORDS; i++) {
		orig[i] = cpus_orig[i];
		pinned[i] = cpus_pinned[i];
	}
	return cpus_len;
}

__attribute__((section(".text.startup")))
static long raw_syscall3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

#define NR_read 0
#define NR_close 3
#define NR_sched_setaffinity 203
#define NR_sched_getaffinity 204
#define NR_openat 257
#define NR_getcpu 309
#define HULL_AT_FDCWD (-100)
#define HULL_O_RDONLY_CLOEXEC 02000000

/*
 * runnable_tasks returns the kernel's count of runnable tasks now, the
 * number before the '/' in /proc/loadavg ("0.54 1.09 1.27 3/245 12345"),
 * or -1 when it cannot be read.
 */
__attribute__((section(".text.startup")))
static long runnable_tasks(void)
{
	static const char path[] = "/proc/loadavg";
	char buf[128];
	long fd, n, i = 0, fields = 0, v = 0;

	fd = raw_syscall3(NR_openat, HULL_AT_FDCWD, (long)path, HULL_O_RDONLY_CLOEXEC);
	if (fd < 0)
		return -1;
	n = raw_syscall3(NR_read, fd, (long)buf, sizeof(buf));
	raw_syscall3(NR_close, fd, 0, 0);
	for (; i < n && fields < 3; i++)
		if (buf[i] == ' ')
			fields++;
	if (fields < 3 || i >= n || buf[i] < '0' || buf[i] > '9')
		return -1;
	for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (buf[i] - '0');
	return i < n && buf[i] == '/' ? v : -1;
}

__attribute__((section(".text.startup")))
void hull_pin(unsigned long *sp)
{
	unsigned long argc = sp[0];
	char **envp = (char **)(sp + 1 + argc + 1);
	unsigned int cpu = 0, node = 0, n = 0;
	int always = 0;
	long len, runnable;

	for (unsigned long i = 0; envp[i] != 0; i++) {
		const char *e = envp[i];
		if (e[0] == '_' && e[1] == 'H' && e[2] == 'U' && e[3] == 'L' && e[4] == 'L' && e[5] == '_')
			return;
		if (e[0] == 'H' && e[1] == 'U' && e[2] == 'L' && e[3] == 'L' && e[4] == '_' && e[5] == 'P' &&
		    e[6] == 'I' && e[7] == 'N' && e[8] == '=' && e[9] != '\0' && e[10] == '\0') {
			if (e[9] == '0')
				return;
			always = e[9] == '1';
		}
	}
	len = raw_syscall3(NR_sched_getaffinity, 0, sizeof(cpus_orig), (long)cpus_orig);
	if (len <= 0 || raw_syscall3(NR_getcpu, (long)&cpu, (long)&node, 0) < 0)
		return;
	for (int i = 0; i < HULL_CPU_WORDS; i++)
		n += __builtin_popcountl(cpus_orig[i]);
	if (n < 2 || cpu >= (unsigned long)len * 8 || !(cpus_orig[cpu / 64] & (1UL << (cpu % 64))))
		return;
	if (!always && ((runnable = runnable_tasks()) < 0 || runnable * 2 > n))
		return;
	cpus_pinned[cpu / 64] = 1UL << (cpu % 64);
	if (raw_syscall3(NR_sched_setaffinity, 0, len, (long)cpus_pinned) == 0)
		cpus_len = len;
}

__attribute__((section(".text.startup")))
static int is_gomaxprocs(const char *s)
{
	const char *p = "GOMAXPROCS=";

	for (; *p != '\0'; p++, s++)
		if (*s != *p)
			return 0;
	return 1;
}

/*
 * hull_block_words returns the size, in words, of the block with
 * GOMAXPROCS=1 added, or 0 when the kernel's block is to be used as it is.
 */
__attribute__((section(".text.startup")))
unsigned long hull_block_words(unsigned long *sp)
{
	unsigned long argc = sp[0], nenv = 0, naux = 0;
	char **envp = (char **)(sp + 1 + argc + 1);
	unsigned long *aux;

	for (; envp[nenv] != 0; nenv++)
		if (is_gomaxprocs(envp[nenv]))
			return 0;
	/* auxv: (type, value) pairs up to and including AT_NULL. */
	aux = (unsigned long *)(envp + nenv + 1);
	while (aux[naux] != AT_NULL)
		naux += 2;
	naux += 2;
	return 1 + argc + 1 + nenv + 2 + naux;
}

/* hull_block_fill writes that block at dst from the kernel's at sp. */
__attribute__((section(".text.startup")))
void hull_block_fill(unsigned long *dst, unsigned long *sp)
{
	unsigned long argc = sp[0], i = 0, *src = sp;

	*dst++ = *src++; /* argc */
	for (i = 0; i < argc; i++)
		*dst++ = *src++;
	*dst++ = *src++; /* NULL */
	while (*src != 0)
		*dst++ = *src++;
	*dst++ = (unsigned long)gomaxprocs_var;
	*dst++ = *src++; /* NULL */
	for (;;) {
		unsigned long type = *src;

		*dst++ = *src++;
		*dst++ = *src++;
		if (type == AT_NULL)
			break;
	}
	injected = 1;
}
