/*
 * hull's namespace constructor.
 *
 * Joining a user or mount namespace (setns) and creating a user namespace
 * (unshare) are refused by the kernel for a multi-threaded process, and the Go
 * runtime starts threads before main(). So the container's init re-executes
 * the hull binary and this constructor runs first, while the process is still
 * single-threaded. It does only namespace work, then returns and lets the Go
 * runtime start inside the final namespaces. Outside container set-up it
 * returns after two getenv() calls. It also holds the waiting init
 * (start_stub below).
 *
 * The messages it exchanges with the parent are framed exactly as
 * internal/syncproto frames them: a 4-byte type, a 4-byte payload length
 * (both little endian on every arch hull supports, native order here), then
 * the payload. See internal/syncproto/protocol.go for the sequence diagram.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <termios.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Message types shared with internal/syncproto/types.go. */
enum {
	MSG_ERROR = 1,
	MSG_BOOTSTRAP = 2,
	MSG_NEED_IDMAP = 3,
	MSG_IDMAP_DONE = 4,
	MSG_INIT_PID = 5,
	MSG_CONSOLE = 9,
	MSG_READY = 10,
	MSG_CGROUPNS = 13,
	MSG_CGROUPNS_DONE = 14,
};

/* Bootstrap payload records: 4-byte kind, 4-byte length, data. */
enum {
	REC_CLONE_FLAGS = 1, /* u32: namespaces to unshare */
	REC_JOIN = 2,        /* u32 nstype, then a NUL-terminated path */
	REC_FORK = 3,        /* u32: 1 when the init must be a forked child */
	REC_TIMENS = 4,      /* text for /proc/self/timens_offsets */
	/* `hull exec` finished here, without a Go runtime (exec_fast.c). */
	REC_EXEC = 5,         /* struct exec_fixed */
	REC_EXEC_GROUPS = 6,  /* u32 gids */
	REC_EXEC_RLIMIT = 7,  /* u32 resource, u32 pad, u64 soft, u64 hard */
	REC_EXEC_SECCOMP = 8, /* struct sock_filter[] */
	REC_EXEC_CWD = 9,     /* NUL-terminated */
	REC_EXEC_ARG = 10,    /* NUL-terminated, in order */
	REC_EXEC_ENV = 11,    /* NUL-terminated, in order */
	REC_EXEC_TTY = 12,    /* u32 has_size, u32 rows, u32 cols: a pty as stdio */
	REC_EXEC_APPARMOR = 13, /* NUL-terminated profile */
	/* A container's init set up by hull's set-up thread (exec_fast.h). */
	REC_INIT_PIVOT = 14,  /* u32 rootfsPropagation flags, then the NUL-terminated rootfs path */
	REC_INIT_FIFO = 15,   /* u32: O_PATH fd of exec.fifo; Ready, then wait for `hull start` */
};


#define MAX_JOINS 16

static int sync_fd = -1;

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EPIPE;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_msg(uint32_t type, const void *payload, uint32_t len)
{
	uint32_t hdr[2] = { type, len };
	if (write_all(sync_fd, hdr, sizeof(hdr)) < 0)
		return -1;
	if (len > 0 && write_all(sync_fd, payload, len) < 0)
		return -1;
	return 0;
}

/* bail reports one line to the parent as MSG_ERROR and exits. */
static void bail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void bail(const char *fmt, ...)
{
	char buf[1024];
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (saved != 0 && (size_t)n + 2 < sizeof(buf)) {
		int at = n + 2;
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", strerror(saved));
		/* Go's spelling ("no such file or directory"), as the Go init's errors. */
		if (at < (int)sizeof(buf) && buf[at] >= 'A' && buf[at] <= 'Z')
			buf[at] = (char)(buf[at] - 'A' + 'a');
	}
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	send_msg(MSG_ERROR, buf, (uint32_t)n);
	_exit(1);
}

static const char *nsname(uint32_t t)
{
	switch (t) {
	case CLONE_NEWUSER: return "user";
	case CLONE_NEWNS: return "mount";
	case CLONE_NEWPID: return "pid";
	case CLONE_NEWNET: return "network";
	case CLONE_NEWIPC: return "ipc";
	case CLONE_NEWUTS: return "uts";
	case CLONE_NEWCGROUP: return "cgroup";
	case CLONE_NEWTIME: return "time";
	}
	return "?";
}

struct join {
	uint32_t type;
	const char *path;
	int fd;
};

static void wait_for(uint32_t want)
{
	uint32_t hdr[2];
	if (read_all(sync_fd, hdr, sizeof(hdr)) < 0)
		bail("nsenter: read from parent");
	if (hdr[0] != want)
		bail("nsenter: got message %u from parent, want %u", hdr[0], want);
	/* Messages it waits for carry no payload. */
}

static void join_namespaces(struct join *joins, int njoins)
{
	/*
	 * Open every path first: after setns into a mount namespace the paths
	 * may no longer resolve. The user namespace goes first so that the
	 * others, owned by it, can be joined with its capabilities.
	 */
	for (int i = 0; i < njoins; i++) {
		joins[i].fd = open(joins[i].path, O_RDONLY | O_CLOEXEC);
		if (joins[i].fd < 0)
			bail("open %s namespace %s", nsname(joins[i].type), joins[i].path);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < njoins; i++) {
			int isuser = joins[i].type == CLONE_NEWUSER;
			if ((pass == 0) != isuser)
				continue;
			if (setns(joins[i].fd, (int)joins[i].type) < 0)
				bail("setns %s namespace %s", nsname(joins[i].type), joins[i].path);
			close(joins[i].fd);
			if (isuser) {
				/* Become the namespace's root so later steps have its privileges. */
				if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
					bail("become root in joined user namespace %s", joins[i].path);
			}
		}
	}
}

/*
 * ready_and_wait_start ends a created container's init, in the C stub and in
 * an init set up by hull's set-up thread alike: Ready on the sync socket (so
 * `create` returns with the init in place), then block until `hull start`
 * opens exec.fifo for reading. fifo_fd is an O_PATH fd of exec.fifo (not of
 * the state directory, which would lead out of the container), reopened for
 * writing through /proc/self/fd as runc does. The write end stays open
 * (close-on-exec): `start` waits for the hang-up that the caller's execve
 * brings. Failures after Ready go to stderr: `create` is gone. With
 * dumpable, the process becomes dumpable once the sync socket is closed
 * (see init_wait_start in exec_fast.h; the stub already is, after its exec).
 */
static void ready_and_wait_start(int fifo_fd, int dumpable)
{
	if (send_msg(MSG_READY, NULL, 0) < 0)
		_exit(1); /* `create` is gone: nobody will ever start us */
	close(sync_fd);
	sync_fd = -1;
	if (dumpable)
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fifo_fd);
	int fifo;
	do
		fifo = open(proc, O_WRONLY | O_CLOEXEC);
	while (fifo < 0 && errno == EINTR);
	if (fifo < 0) {
		fprintf(stderr, "hull init: open exec fifo: %s\n", strerror(errno));
		_exit(127);
	}
	close(fifo_fd);
	if (write(fifo, "", 1) != 1) {
		fprintf(stderr, "hull init: write exec fifo: %s\n", strerror(errno));
		_exit(127);
	}
}

#include "exec_fast.h"

static void nsenter(int fd)
{
	uint32_t hdr[2];
	sync_fd = fd;

	/*
	 * Not dumpable while set-up runs: a process already in the container
	 * must not be able to open /proc/<pid>/exe or ptrace us (CVE-2019-5736).
	 * execve of the user's program resets it.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Started from /proc/self/fd/N (the sealed binary), comm would read "N". */
	prctl(PR_SET_NAME, (unsigned long)"hull:init", 0, 0, 0);

	if (read_all(sync_fd, hdr, sizeof(hdr)) < 0)
		bail("nsenter: read bootstrap");
	/*
	 * An init that hull's set-up thread builds is put in its cgroups
	 * while it waits here; a new cgroup namespace must be made after
	 * that, to be rooted at the container's cgroup (the thread, in
	 * hull's cgroups, cannot make it), and before the thread mounts the
	 * container's cgroupfs in it.
	 */
	if (hdr[0] == MSG_CGROUPNS && hdr[1] == 0) {
		if (unshare(CLONE_NEWCGROUP) < 0)
			bail("unshare cgroup namespace");
		if (send_msg(MSG_CGROUPNS_DONE, NULL, 0) < 0)
			bail("nsenter: answer cgroup namespace");
		if (read_all(sync_fd, hdr, sizeof(hdr)) < 0)
			bail("nsenter: read bootstrap");
	}
	if (hdr[0] != MSG_BOOTSTRAP)
		bail("nsenter: got message %u, want bootstrap", hdr[0]);
	if (hdr[1] > (1 << 20))
		bail("nsenter: bootstrap of %u bytes is too large", hdr[1]);
	char *buf = malloc(hdr[1] + 1);
	if (buf == NULL)
		bail("nsenter: malloc");
	if (read_all(sync_fd, buf, hdr[1]) < 0)
		bail("nsenter: read bootstrap payload");
	buf[hdr[1]] = 0;

	uint32_t cloneflags = 0, dofork = 0;
	struct exec_fast fast;
	memset(&fast, 0, sizeof(fast));
	const char *timens = NULL;
	struct join joins[MAX_JOINS];
	int njoins = 0;
	for (uint32_t off = 0; off + 8 <= hdr[1];) {
		uint32_t kind, len;
		memcpy(&kind, buf + off, 4);
		memcpy(&len, buf + off + 4, 4);
		off += 8;
		if (len > hdr[1] - off)
			bail("nsenter: bad bootstrap record");
		char *data = buf + off;
		switch (kind) {
		case REC_CLONE_FLAGS:
			memcpy(&cloneflags, data, 4);
			break;
		case REC_FORK:
			memcpy(&dofork, data, 4);
			break;
		case REC_JOIN:
			if (njoins == MAX_JOINS)
				bail("nsenter: too many namespaces to join");
			memcpy(&joins[njoins].type, data, 4);
			joins[njoins].path = data + 4; /* NUL-terminated by the sender */
			njoins++;
			break;
		case REC_TIMENS:
			timens = data;
			break;
		default:
			if (exec_record(&fast, kind, data, len) < 0)
				bail("nsenter: bad exec record %u", kind);
		}
		off += len;
	}

	join_namespaces(joins, njoins);

	if (cloneflags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			bail("unshare user namespace");
		/* Only a process outside the namespace may write a full id map. */
		if (send_msg(MSG_NEED_IDMAP, NULL, 0) < 0)
			bail("nsenter: ask for id maps");
		wait_for(MSG_IDMAP_DONE);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			bail("become root in the new user namespace (is uid/gid 0 mapped?)");
		/* unshare(CLONE_NEWUSER) drops dumpable back on; keep it off. */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}

	uint32_t rest = cloneflags & ~(uint32_t)CLONE_NEWUSER;
	if (rest != 0 && unshare((int)rest) < 0)
		bail("unshare namespaces 0x%x", rest);

	if (timens != NULL && (cloneflags & CLONE_NEWTIME)) {
		/*
		 * Offsets can only be written before the first process enters the
		 * namespace. While not dumpable, /proc/self files belong to the
		 * host's root, which a user namespace's root is not: be dumpable
		 * for this one open.
		 */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		int tfd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
		if (tfd < 0)
			bail("open /proc/self/timens_offsets");
		if (write_all(tfd, timens, strlen(timens)) < 0)
			bail("write linux.timeOffsets");
		close(tfd);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	/* buf stays: the exec records point into it. */
	if (!dofork) {
		if (fast.present)
			exec_fast(&fast); /* never returns */
		free(buf);
		return;
	}

	/*
	 * A new or joined pid (or time) namespace applies to children only, so
	 * the container's init is a child of this process. It reports the pid
	 * and leaves; the parent adopts the init as a subreaper or lets it be
	 * reparented, as runc's init is.
	 */
	int order[2] = { -1, -1 };
	if (fast.present && pipe2(order, O_CLOEXEC) < 0)
		bail("nsenter: pipe");
	pid_t child = fork();
	if (child < 0)
		bail("fork container init");
	if (child > 0) {
		int32_t p = child;
		send_msg(MSG_INIT_PID, &p, sizeof(p));
		_exit(0); /* closes order[1]: the child may go on */
	}
	if (fast.present) {
		/*
		 * The exec path writes to the socket on its own (an error):
		 * wait until stage 0 has sent InitPid and gone, or the two
		 * frames could interleave.
		 */
		char c;
		close(order[1]);
		while (read(order[0], &c, 1) < 0 && errno == EINTR)
			;
		close(order[0]);
		exec_fast(&fast); /* never returns */
	}
	free(buf);
}

/*
 * The waiting init (see internal/initproc/stub.go). A created container's
 * init, once set up, re-executes this binary with
 * _HULL_START=<fd>:<sync fd>:<path>, argv "hull", "init" and then the
 * user's, and the user's environment. Here, before any Go runtime exists, it
 * sends Ready on the sync socket (so `create` returns with it in place),
 * blocks until `hull start` opens exec.fifo, then execs the user's program:
 * a waiting init of a few hundred KB instead of a Go process of 8 MB.
 *
 * <fd> is an O_PATH fd of exec.fifo (not of the state directory, which would
 * lead out of the container), reopened for writing through /proc/self/fd as
 * runc does; the Go side checked that /proc is there. <path> is the program
 * the Go side already resolved (so `create` reported a missing one).
 */
static void start_stub(const char *spec, int argc, char **argv, char **envp)
{
	if (argc < 3) {
		fprintf(stderr, "hull init: stub started without the program's arguments\n");
		_exit(127);
	}
	/* exec made this process dumpable again, and it must stay so: a
	 * non-dumpable process's /proc/self/fd belongs to root, and a
	 * container user could not reopen the fifo through it. It holds
	 * nothing its own user lacks: an O_PATH fd of a fifo (no way out of
	 * it, unlike a directory fd) and the sealed, read-only binary. */
	prctl(PR_SET_NAME, (unsigned long)"hull:init", 0, 0, 0);
	char *end = NULL;
	long fd = strtol(spec, &end, 10);
	long sfd = -1;
	if (end != spec && *end == ':') {
		const char *p = end + 1;
		sfd = strtol(p, &end, 10);
		if (end == p)
			sfd = -1;
	}
	if (sfd < 0 || fd < 0 || fd > 1 << 20 || sfd > 1 << 20 || *end != ':' || end[1] == 0) {
		fprintf(stderr, "hull init: bad _HULL_START\n");
		_exit(127);
	}
	const char *path = end + 1;
	/* Drop our variable so the user's program sees exactly process.env. */
	int j = 0;
	for (int i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "_HULL_START=", 12) != 0)
			envp[j++] = envp[i];
	envp[j] = NULL;

	/* In place: tell `create` (framed as internal/syncproto frames), then
	 * wait for `hull start`. */
	sync_fd = (int)sfd;
	ready_and_wait_start((int)fd, 0);
	/* argv is "hull", "init", then the program's: ps shows what waits. */
	execve(path, argv + 2, envp);
	fprintf(stderr, "hull init: exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

/*
 * The process's own argc and argv, found from environ. glibc passes argc,
 * argv and envp to the main program's constructors, musl passes nothing;
 * both set environ to the envp array on the initial stack before any
 * constructor runs, and the ELF start-up layout (System V ABI, "Process
 * Initialization") puts it right after argv's NULL, which follows argc:
 *
 *   argc | argv[0] ... argv[argc-1] | NULL | envp[0] ... | NULL
 *
 * Walking back from envp, the first slot whose value equals the number of
 * pointers passed is argc (no string pointer is that small). Nothing has
 * run yet that could move environ (no setenv/putenv before constructors).
 */
static int startup_args(char ***argvp, char ***envpp)
{
	char **envp = environ;
	for (long n = 0; n < 1 << 20; n++) {
		if ((uintptr_t)envp[-2 - n] == (uintptr_t)n) {
			*argvp = envp - 1 - n;
			*envpp = envp;
			return (int)n;
		}
	}
	fprintf(stderr, "hull init: argv not found before environ\n");
	_exit(127);
}

/*
 * restore_cpus gives this process the CPU mask of whoever started hull:
 * hull runs pinned to one CPU (internal/oneproc), and the init inherited
 * that. The kernel narrows the mask to the cpuset the init is (or will be)
 * placed in, as it would have narrowed the caller's; if nothing of it is
 * left there, the init gets the cpuset's CPUs, as a cpuset attach gives.
 */
static void restore_cpus(const char *hex)
{
	unsigned char mask[128];
	size_t n = 0;

	memset(mask, 0, sizeof(mask));
	for (; hex[0] != 0 && hex[1] != 0 && n < sizeof(mask); hex += 2, n++) {
		int v = 0;
		for (int i = 0; i < 2; i++) {
			char c = hex[i];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				return;
		}
		mask[n] = (unsigned char)v;
	}
	if (n == 0 || n % 8 != 0)
		return;
	if (sched_setaffinity(0, n, (cpu_set_t *)mask) < 0) {
		memset(mask, 0xff, sizeof(mask));
		sched_setaffinity(0, sizeof(mask), (cpu_set_t *)mask);
	}
}

__attribute__((constructor)) static void hull_nsenter(void)
{
	const char *cpus = getenv("_HULL_CPUS");
	if (cpus != NULL)
		restore_cpus(cpus);
	const char *st = getenv("_HULL_START");
	if (st != NULL) {
		char **argv, **envp;
		int argc = startup_args(&argv, &envp);
		start_stub(st, argc, argv, envp);
	}
	const char *s = getenv("_HULL_SYNC_FD");
	if (s == NULL || *s == 0)
		return;
	char *end = NULL;
	long fd = strtol(s, &end, 10);
	if (end == s || *end != 0 || fd < 3 || fd > 1 << 20)
		return;
	nsenter((int)fd);
}

#ifdef HULL_INIT_STUB
/*
 * The init stub: this file alone, built as a small static program
 * (scripts/build.sh, -DHULL_INIT_STUB) and embedded in hull
 * (internal/initstub). A container init whose rootfs hull's set-up thread
 * builds never reaches the Go runtime: the constructor above finishes it
 * (exec_fast) and execs the user's program. So hull starts it from a sealed
 * memfd copy of this program instead of a sealed view of its own 6 MB
 * binary (CVE-2019-5736, internal/process/exe.go): no overlayfs to make
 * and tear down per start, and an exec of 30 KB. Reaching main means the
 * constructor returned, which it does only for the Go init; this program
 * has none.
 */
int main(void)
{
	if (sync_fd >= 0)
		bail("hull init stub: this container needs hull's Go init");
	fprintf(stderr, "hull init stub: not started by hull\n");
	return 127;
}
#endif
