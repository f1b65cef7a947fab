/*
 * `hull exec` without a Go runtime in the joining process.
 *
 * The C constructor already joins the container's namespaces. When the new
 * process needs nothing only the Go init does (an SELinux label,
 * personality, scheduler, I/O priority, memory policy, a seccomp notify
 * listener), hull's parent sends everything else in the bootstrap message
 * (REC_EXEC*: ids, capability masks, rlimits, a seccomp program it compiled
 * with libseccomp, cwd, argv, env, whether to give it a pty) and this code
 * finishes the job
 * and execs the program: the Go runtime of the joining process (about 2 ms of
 * CPU per exec here) never starts. The steps and their order are the Go
 * init's (internal/initproc: setupExec, then finish):
 *
 *   terminal, oom_score_adj, cwd check (CVE-2024-21626, before the filter), program
 *   lookup, HOME, AppArmor (attr/exec), no_new_privs, seccomp, rlimits, close-on-exec of every fd
 *   above the preserved ones, bounding set, setgroups, setresgid, setresuid
 *   under keep-caps, capset, ambient set, chdir, umask, execve.
 *
 * A created container's init whose rootfs hull's set-up thread built
 * (internal/process/thread.go) ends here too: REC_INIT_PIVOT makes it
 * pivot_root first, REC_INIT_FIFO makes it send Ready and wait for `hull
 * start` on exec.fifo last, just before execve.
 *
 * Any failure goes to the parent as one MSG_ERROR line, in the Go init's
 * words. The process stays non-dumpable until execve (CVE-2016-9962).
 * Included into nsenter.c: one translation unit, one constructor.
 */
#ifndef HULL_EXEC_FAST_H
#define HULL_EXEC_FAST_H

#define EXEC_MAX_ARGS 4096
#define EXEC_MAX_RLIMITS 32

/* REC_EXEC's payload, native byte order (internal/syncproto/execfast.go). */
struct exec_fixed {
	uint32_t uid, gid;
	uint32_t no_new_privs;
	uint32_t has_oom;
	int32_t oom_score_adj;
	uint32_t umask; /* 0xffffffff: 022 */
	uint32_t preserve_fds;
	uint32_t seccomp_flags;
	uint64_t cap_eff, cap_prm, cap_inh, cap_amb, cap_bnd;
};

struct exec_rlimit {
	uint32_t resource, pad;
	uint64_t soft, hard;
};

struct exec_tty {
	uint32_t has_size, rows, cols;
};

struct exec_fast {
	int present;
	/* A created container's init (REC_INIT_*): pivot first, wait for
	 * `hull start` last. */
	const char *pivot_root; /* the rootfs, set up and bound onto itself */
	uint32_t pivot_prop;    /* MS_* of linux.rootfsPropagation, or 0 */
	int has_fifo;
	int fifo;
	int terminal;
	const char *apparmor; /* process.apparmorProfile; the parent saw AppArmor enabled */
	struct exec_tty tty;
	struct exec_fixed f;
	const uint32_t *groups;
	size_t ngroups;
	struct exec_rlimit rlimits[EXEC_MAX_RLIMITS];
	size_t nrlimits;
	const struct sock_filter *filter;
	size_t nfilter;
	const char *cwd;
	char *argv[EXEC_MAX_ARGS + 1];
	size_t argc;
	char **envp; /* malloc'ed, NULL-terminated, one slot spare for HOME */
	size_t envc, envcap;
};

static int exec_record(struct exec_fast *e, uint32_t kind, char *data, uint32_t len)
{
	switch (kind) {
	case REC_EXEC:
		if (len != sizeof(struct exec_fixed))
			return -1;
		memcpy(&e->f, data, sizeof(e->f));
		e->present = 1;
		return 0;
	case REC_EXEC_APPARMOR:
		if (len < 2 || data[len - 1] != 0)
			return -1;
		e->apparmor = data;
		return 0;
	case REC_INIT_PIVOT:
		if (len < 6 || data[len - 1] != 0)
			return -1;
		memcpy(&e->pivot_prop, data, 4);
		e->pivot_root = data + 4;
		return 0;
	case REC_INIT_FIFO:
		if (len != 4)
			return -1;
		memcpy(&e->fifo, data, 4);
		if (e->fifo < 3)
			return -1;
		e->has_fifo = 1;
		return 0;
	case REC_EXEC_TTY:
		if (len != sizeof(struct exec_tty))
			return -1;
		memcpy(&e->tty, data, sizeof(e->tty));
		e->terminal = 1;
		return 0;
	case REC_EXEC_GROUPS:
		if (len % 4 != 0)
			return -1;
		e->groups = (const uint32_t *)(void *)data;
		e->ngroups = len / 4;
		return 0;
	case REC_EXEC_RLIMIT:
		if (len != sizeof(struct exec_rlimit) || e->nrlimits == EXEC_MAX_RLIMITS)
			return -1;
		memcpy(&e->rlimits[e->nrlimits++], data, sizeof(struct exec_rlimit));
		return 0;
	case REC_EXEC_SECCOMP:
		if (len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > 0xffff)
			return -1;
		e->filter = (const struct sock_filter *)(void *)data;
		e->nfilter = len / sizeof(struct sock_filter);
		return 0;
	case REC_EXEC_CWD:
		if (len == 0 || data[len - 1] != 0)
			return -1;
		e->cwd = data;
		return 0;
	case REC_EXEC_ARG:
		if (len == 0 || data[len - 1] != 0 || e->argc == EXEC_MAX_ARGS)
			return -1;
		e->argv[e->argc++] = data;
		e->argv[e->argc] = NULL;
		return 0;
	case REC_EXEC_ENV:
		if (len == 0 || data[len - 1] != 0)
			return -1;
		if (e->envc + 2 >= e->envcap) {
			size_t cap = e->envcap ? e->envcap * 2 : 32;
			char **n = realloc(e->envp, cap * sizeof(char *));
			if (n == NULL)
				return -1;
			e->envp = n;
			e->envcap = cap;
		}
		e->envp[e->envc++] = data;
		e->envp[e->envc] = NULL;
		return 0;
	}
	return 0; /* unknown kinds are someone else's */
}

/* send_fd sends a message of type with no payload and fd as SCM_RIGHTS,
 * framed as internal/syncproto's Conn.SendFile does (the fd rides on the
 * header). */
static int send_fd(uint32_t type, int fd)
{
	uint32_t hdr[2] = { type, 0 };
	struct iovec iov = { hdr, sizeof(hdr) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr msg;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sync_fd, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(hdr))
		return write_all(sync_fd, (char *)hdr + n, sizeof(hdr) - (size_t)n);
	return 0;
}

static void init_console(int slave);

/*
 * exec_terminal gives the process a pty from the container's devpts, as the
 * Go init's setupTerminal does: the master goes to the parent, the slave is
 * opened from it (TIOCGPTPEER, never by a /dev/pts/N path the container could
 * redirect: CVE-2025-52565) and becomes the controlling terminal and stdio.
 */
static void exec_terminal(struct exec_fast *e)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		bail("process.terminal: open /dev/ptmx");
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		bail("process.terminal: unlockpt /dev/ptmx");
	if (e->tty.has_size) {
		struct winsize ws;
		memset(&ws, 0, sizeof(ws));
		ws.ws_row = (unsigned short)e->tty.rows;
		ws.ws_col = (unsigned short)e->tty.cols;
		if (ioctl(m, TIOCSWINSZ, &ws) < 0)
			bail("process.consoleSize");
	}
	int s = ioctl(m, 0x5441 /* TIOCGPTPEER, Linux 4.13 */, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		bail("process.terminal: ioctl(TIOCGPTPEER)");
	/* A container's init (it pivoted itself): the pty is its /dev/console. */
	if (e->pivot_root != NULL)
		init_console(s);
	if (send_fd(MSG_CONSOLE, m) < 0)
		bail("process.terminal: send the pty master");
	close(m);
	/* setsid fails (EPERM) only for a process group leader: fine if it
	 * already leads its own session. */
	if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
		bail("process.terminal: setsid");
	if (ioctl(s, TIOCSCTTY, 0) < 0)
		bail("process.terminal: ioctl(TIOCSCTTY)");
	for (int fd = 0; fd <= 2; fd++)
		if (dup3(s, fd, 0) < 0)
			bail("process.terminal: dup3 onto fd %d", fd);
	if (s > 2)
		close(s);
}

/* The filesystem magic of procfs (linux/magic.h). */
#define HULL_PROC_SUPER_MAGIC 0x9fa0

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* struct open_how and RESOLVE_* (linux/openat2.h, Linux 5.6). */
struct hull_open_how {
	uint64_t flags, mode, resolve;
};
#define HULL_RESOLVE_NO_XDEV 0x01
#define HULL_RESOLVE_NO_MAGICLINKS 0x02
#define HULL_RESOLVE_NO_SYMLINKS 0x04
#define HULL_RESOLVE_BENEATH 0x08

/*
 * proc_write writes data to /proc/<name> the way the Go init's procfs.Handle
 * does (CVE-2019-16884): /proc must be a procfs mount, and the file is opened
 * beneath it with openat2 refusing symlinks, magic links and mount crossings,
 * so a container that mounts over /proc or any file in it cannot turn the
 * write into a silent no-op or a write elsewhere. Returns -1 with errno set.
 */
static int proc_write(const char *name, const char *data)
{
	int dir = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dir < 0)
		return -1;
	struct statfs st;
	if (fstatfs(dir, &st) < 0 || st.f_type != HULL_PROC_SUPER_MAGIC) {
		close(dir);
		errno = EXDEV;
		return -1;
	}
	struct hull_open_how how = {
		O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0,
		HULL_RESOLVE_BENEATH | HULL_RESOLVE_NO_SYMLINKS | HULL_RESOLVE_NO_MAGICLINKS | HULL_RESOLVE_NO_XDEV,
	};
	int fd = (int)syscall(SYS_openat2, dir, name, &how, sizeof(how));
	int saved = errno;
	close(dir);
	if (fd < 0) {
		errno = saved;
		return -1;
	}
	size_t n = strlen(data);
	ssize_t w = write(fd, data, n);
	saved = errno;
	close(fd);
	if (w != (ssize_t)n) {
		errno = w < 0 ? saved : EIO;
		return -1;
	}
	return 0;
}

static void exec_oom_score_adj(int32_t v)
{
	char name[64], buf[16];
	snprintf(name, sizeof(name), "%d/oom_score_adj", (int)getpid());
	snprintf(buf, sizeof(buf), "%d", v);
	if (proc_write(name, buf) < 0)
		bail("process.oomScoreAdj");
}

/* exec_apparmor asks for the profile at the next execve, as the Go init's
 * procattr.AppArmor: attr/apparmor/exec (Linux 5.8, safe with LSM stacking)
 * or else the shared attr/exec. */
static void exec_apparmor(const char *profile)
{
	char name[96], data[4096];
	snprintf(data, sizeof(data), "exec %s", profile);
	snprintf(name, sizeof(name), "%d/task/%d/attr/apparmor/exec", (int)getpid(), (int)gettid());
	if (proc_write(name, data) == 0)
		return;
	if (errno == ENOENT) {
		snprintf(name, sizeof(name), "%d/task/%d/attr/exec", (int)getpid(), (int)gettid());
		if (proc_write(name, data) == 0)
			return;
	}
	bail("process.apparmorProfile \"%s\"", profile);
}

static const char *env_get(struct exec_fast *e, const char *name)
{
	size_t n = strlen(name);
	const char *v = NULL;
	for (size_t i = 0; i < e->envc; i++)
		if (strncmp(e->envp[i], name, n) == 0 && e->envp[i][n] == '=')
			v = e->envp[i] + n + 1; /* the last one wins, as in Go */
	return v;
}

/* executable is the Go init's test: exists, not a directory, some x bit. */
static int executable(const char *p)
{
	struct stat st;
	if (stat(p, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

/* exec_lookup resolves argv[0] as execvp would, with the container's PATH. */
static const char *exec_lookup(struct exec_fast *e, char *buf, size_t size)
{
	const char *file = e->argv[0];
	if (file[0] == 0) {
		errno = 0;
		bail("process.args[0] is empty");
	}
	if (strchr(file, '/') != NULL) {
		if (executable(file) < 0) {
			if (errno == EACCES) {
				errno = 0;
				bail("exec: \"%s\": permission denied", file);
			}
			bail("exec: \"%s\"", file);
		}
		return file;
	}
	const char *path = env_get(e, "PATH");
	if (path == NULL)
		path = "";
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int len = n == 0 ? snprintf(buf, size, "./%s", file)
				 : snprintf(buf, size, "%.*s/%s", (int)n, p, file);
		if (len > 0 && (size_t)len < size && executable(buf) == 0)
			return buf;
		if (end == NULL)
			break;
		p = end;
	}
	errno = 0;
	bail("exec: \"%s\": executable file not found in $PATH", file);
}

/* exec_home adds HOME from the container's /etc/passwd when env lacks it. */
static void exec_home(struct exec_fast *e, char *buf, size_t size)
{
	if (env_get(e, "HOME") != NULL)
		return;
	const char *home = "/";
	char line[1024];
	FILE *f = fopen("/etc/passwd", "re");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			/* name:passwd:uid:gid:gecos:dir:shell */
			char *fields[7];
			int nf = 0;
			char *s = line;
			for (; nf < 7; nf++) {
				fields[nf] = s;
				char *c = strchr(s, ':');
				if (c == NULL) {
					nf++;
					break;
				}
				*c = 0;
				s = c + 1;
			}
			if (nf < 6)
				continue;
			char uid[16];
			snprintf(uid, sizeof(uid), "%u", e->f.uid);
			if (strcmp(fields[2], uid) != 0) /* as the Go init compares */
				continue;
			fields[5][strcspn(fields[5], "\n")] = 0;
			if (fields[5][0] != 0)
				home = fields[5];
			break;
		}
	}
	snprintf(buf, size, "HOME=%s", home);
	if (f != NULL)
		fclose(f);
	if (e->envp == NULL) {
		e->envp = calloc(2, sizeof(char *));
		if (e->envp == NULL)
			bail("nsenter: malloc");
		e->envcap = 2;
	}
	e->envp[e->envc++] = buf; /* exec_record keeps a spare slot */
	e->envp[e->envc] = NULL;
}

static void exec_cwd_check(const char *cwd)
{
	if (cwd == NULL || cwd[0] == 0)
		return;
	if (chdir(cwd) < 0)
		bail("process.cwd %s", cwd);
	char wd[4096];
	if (getcwd(wd, sizeof(wd)) == NULL || wd[0] != '/') {
		errno = 0;
		bail("process.cwd %s is outside the container", cwd);
	}
}

static int last_cap(void)
{
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char b[16] = { 0 };
		ssize_t n = read(fd, b, sizeof(b) - 1);
		close(fd);
		if (n > 0)
			return atoi(b);
	}
	return 40; /* CAP_CHECKPOINT_RESTORE, Linux 5.9 */
}

static void exec_caps(struct exec_fast *e)
{
	struct exec_fixed *f = &e->f;
	int last = last_cap();
	for (int n = 0; n <= last && n < 64; n++) {
		if (f->cap_bnd & (1ULL << n))
			continue;
		if (prctl(PR_CAPBSET_DROP, n, 0, 0, 0) < 0 && errno != EINVAL)
			bail("process.capabilities.bounding: prctl(PR_CAPBSET_DROP, %d)", n);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		bail("keep capabilities");
	gid_t gids[1024];
	size_t ng = e->ngroups < 1024 ? e->ngroups : 1024;
	for (size_t i = 0; i < ng; i++)
		gids[i] = e->groups[i];
	/* Raw syscalls: this process has one thread (no setxid broadcast). */
	if (syscall(SYS_setgroups, ng, gids) < 0 && !(errno == EPERM && ng == 0))
		bail("process.user.additionalGids");
	if (syscall(SYS_setresgid, f->gid, f->gid, f->gid) < 0)
		bail("process.user.gid %u", f->gid);
	if (syscall(SYS_setresuid, f->uid, f->uid, f->uid) < 0)
		bail("process.user.uid %u", f->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		bail("clear keep capabilities");
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {
		{ (uint32_t)f->cap_eff, (uint32_t)f->cap_prm, (uint32_t)f->cap_inh },
		{ (uint32_t)(f->cap_eff >> 32), (uint32_t)(f->cap_prm >> 32), (uint32_t)(f->cap_inh >> 32) },
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		bail("process.capabilities: capset(effective=%#llx, permitted=%#llx, inheritable=%#llx)",
		     (unsigned long long)f->cap_eff, (unsigned long long)f->cap_prm,
		     (unsigned long long)f->cap_inh);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		if (errno != EINVAL)
			bail("process.capabilities: prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
		return; /* no ambient set before Linux 4.3 */
	}
	for (int n = 0; n <= last && n < 64; n++) {
		if (!(f->cap_amb & (1ULL << n)))
			continue;
		/* EPERM (not permitted and inheritable): runc only warns. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, n, 0, 0) < 0 && errno != EPERM)
			bail("process.capabilities: prctl(PR_CAP_AMBIENT_RAISE, %d)", n);
	}
}

/*
 * init_pivot makes the rootfs this process's root, as the Go init's
 * rootfs.Pivot does (pivotRoot): pivot_root(".", ".") stacks the old root on
 * the new one, which is made a slave (so the detach cannot propagate to the
 * host) and detached; no handle or cwd is left on the host's filesystem.
 * Everything else of the rootfs was done by hull's set-up thread in this
 * mount namespace (internal/process/thread.go) before the bootstrap came.
 */
static void init_pivot(struct exec_fast *e)
{
	int old = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (old < 0)
		bail("open old root");
	int nr = open(e->pivot_root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (nr < 0)
		bail("open new root %s", e->pivot_root);
	if (fchdir(nr) < 0)
		bail("chdir to new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		bail("pivot_root %s", e->pivot_root);
	if (fchdir(old) < 0)
		bail("chdir to old root");
	if (mount("", ".", "", MS_SLAVE | MS_REC, "") < 0)
		bail("make old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		bail("detach old root");
	close(old);
	close(nr);
	if (e->pivot_prop != 0 && mount("", "/", "", e->pivot_prop, "") < 0)
		bail("apply rootfsPropagation to /");
	if (chdir("/") < 0)
		bail("chdir /");
}

#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif

/*
 * init_console binds the pty slave onto /dev/console of the new root, as
 * rootfs.MountConsole does for the Go init (CVE-2025-52565: runc bound it
 * onto whatever a planted /dev/console symlink named, e.g. a procfs file).
 * The set-up thread made the mountpoint before the root went read-only
 * (rootfs.PrepareConsole); here, after pivot_root, it is checked again:
 * /dev reached without symlinks, console opened O_NOFOLLOW as an O_PATH
 * handle, a regular file or character device on neither procfs nor sysfs,
 * and the bind targets that handle through /proc/self/fd (the container's
 * procfs, checked by the set-up thread's Finalize).
 */
static void init_console(int slave)
{
	struct hull_open_how how = { O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
				     HULL_RESOLVE_NO_SYMLINKS | HULL_RESOLVE_NO_MAGICLINKS };
	int dev = (int)syscall(SYS_openat2, AT_FDCWD, "/dev", &how, sizeof(how));
	if (dev < 0)
		bail("process.terminal: open /dev");
	int c = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (c < 0)
		bail("process.terminal: open /dev/console");
	close(dev);
	struct stat st;
	if (fstat(c, &st) < 0)
		bail("process.terminal: stat /dev/console");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		errno = 0;
		bail("process.terminal: /dev/console is not a file or char device (type %#o)", st.st_mode & S_IFMT);
	}
	struct statfs sf;
	if (fstatfs(c, &sf) < 0)
		bail("process.terminal: statfs /dev/console");
	if (sf.f_type == HULL_PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC) {
		errno = 0;
		bail("process.terminal: /dev/console resolves onto procfs/sysfs");
	}
	char src[64], dst[64];
	snprintf(src, sizeof(src), "/proc/self/fd/%d", slave);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", c);
	int r;
	do
		r = mount(src, dst, NULL, MS_BIND, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		bail("process.terminal: bind the pty onto /dev/console");
	close(c);
}

/*
 * init_wait_start is the end of a created container's init, as the stub's
 * (ready_and_wait_start in nsenter.c). The process is the user's by now
 * (credentials, capabilities, seccomp, rlimits), so it is made dumpable
 * again, as the stub is after its exec: a non-dumpable process's
 * /proc/self/fd belongs to root, and a container user could not reopen the
 * fifo through it. All it holds is the O_PATH fd of the fifo (close-on-exec)
 * and the sealed, read-only binary: the sync socket is closed before.
 */
static void init_wait_start(struct exec_fast *e)
{
	ready_and_wait_start(e->fifo, 1);
}

static void exec_fast(struct exec_fast *e) __attribute__((noreturn));
static void exec_fast(struct exec_fast *e)
{
	static char pathbuf[4096], homebuf[4096];
	struct exec_fixed *f = &e->f;
	if (e->argc == 0) {
		errno = 0;
		bail("exec: no process.args");
	}
	if (e->pivot_root != NULL)
		init_pivot(e);
	if (e->terminal)
		exec_terminal(e);
	if (f->has_oom)
		exec_oom_score_adj(f->oom_score_adj);
	exec_cwd_check(e->cwd);
	const char *path = exec_lookup(e, pathbuf, sizeof(pathbuf));
	exec_home(e, homebuf, sizeof(homebuf));
	if (e->apparmor != NULL)
		exec_apparmor(e->apparmor);
	if (f->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		bail("process.noNewPrivileges");
	if (e->nfilter > 0) {
		struct sock_fprog prog = { (unsigned short)e->nfilter, (struct sock_filter *)e->filter };
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->seccomp_flags, &prog) < 0)
			bail("linux.seccomp: load filter");
	}
	for (size_t i = 0; i < e->nrlimits; i++) {
		struct rlimit rl = { e->rlimits[i].soft, e->rlimits[i].hard };
		if (setrlimit((int)e->rlimits[i].resource, &rl) < 0)
			bail("process.rlimits[%zu]", i);
	}
	/* CVE-2024-21626: nothing of hull's reaches the program. */
	if (syscall(SYS_close_range, 3 + f->preserve_fds, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0) {
		/* Before Linux 5.11, or refused by the profile: one by one. */
		struct rlimit nofile = { 1024, 1024 };
		getrlimit(RLIMIT_NOFILE, &nofile);
		rlim_t top = nofile.rlim_max < (1 << 20) ? nofile.rlim_max : (1 << 20);
		for (rlim_t fd = 3 + f->preserve_fds; fd < top; fd++)
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	exec_caps(e);
	if (e->cwd != NULL && e->cwd[0] != 0 && chdir(e->cwd) < 0)
		bail("process.cwd %s", e->cwd);
	umask(f->umask == 0xffffffffU ? 022 : (mode_t)f->umask);
	if (e->has_fifo) {
		init_wait_start(e);
		execve(path, e->argv, e->envp ? e->envp : (char *[]){ NULL });
		/* After Ready the parent is gone: stderr is all that is left. */
		fprintf(stderr, "hull init: exec %s: %s\n", e->argv[0], strerror(errno));
		_exit(127);
	}
	execve(path, e->argv, e->envp ? e->envp : (char *[]){ NULL });
	bail("exec %s", e->argv[0]);
}

#endif
