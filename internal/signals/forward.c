// A signal forwarder that runs entirely in a C signal handler: see forward.go
// for why hull does not use os/signal for this.
//
// State is process-global: one forwarder at a time (a `run` or an `exec`
// has one process to relay to).

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "forward.h"

#define FWD_NSIG 65

// target: 0 while the process does not exist yet (signals are kept
// pending), > 0 its pid, -1 once it is gone (signals are swallowed).
static int fwd_target;
static int fwd_pidfd = -1;
static int fwd_pending[FWD_NSIG];
static struct sigaction fwd_old[FWD_NSIG];
static unsigned char fwd_installed[FWD_NSIG];

static void fwd_send(int pid, int pidfd, int sig)
{
	// A pidfd cannot reach a recycled pid: the target may be reaped by the
	// time a late signal arrives.
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	else
		kill(pid, sig);
}

// The handler and hull_fwd_target run concurrently on different threads.
// Each writes its own flag before reading the other's (sequentially
// consistent atomics), so at least one of them sees both a pending signal
// and the target, and the exchange on pending lets exactly one of them send
// it: a signal caught before the target exists is neither lost nor doubled.
static void fwd_handler(int sig)
{
	int saved = errno;
	__atomic_store_n(&fwd_pending[sig], 1, __ATOMIC_SEQ_CST);
	int target = __atomic_load_n(&fwd_target, __ATOMIC_SEQ_CST);
	if (target != 0 && __atomic_exchange_n(&fwd_pending[sig], 0, __ATOMIC_SEQ_CST) && target > 0)
		fwd_send(target, __atomic_load_n(&fwd_pidfd, __ATOMIC_SEQ_CST), sig);
	errno = saved;
}

int hull_fwd_install(int sig)
{
	struct sigaction sa;
	if (sig <= 0 || sig >= FWD_NSIG)
		return -EINVAL;
	if (fwd_installed[sig])
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fwd_handler;
	// SA_ONSTACK: the Go runtime requires it of every handler installed by
	// non-Go code (a signal may land on a goroutine's small stack); the
	// handler then runs on the thread's signal stack.
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(sig, &sa, &fwd_old[sig]) < 0)
		return -errno;
	fwd_installed[sig] = 1;
	return 0;
}

void hull_fwd_target(int pid, int pidfd)
{
	__atomic_store_n(&fwd_pidfd, pidfd, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fwd_target, pid, __ATOMIC_SEQ_CST);
	for (int sig = 1; sig < FWD_NSIG; sig++)
		if (__atomic_exchange_n(&fwd_pending[sig], 0, __ATOMIC_SEQ_CST) && pid > 0)
			fwd_send(pid, pidfd, sig);
}

int hull_fwd_uninstall(int sig)
{
	if (sig <= 0 || sig >= FWD_NSIG)
		return -EINVAL;
	if (!fwd_installed[sig])
		return 0;
	if (sigaction(sig, &fwd_old[sig], NULL) < 0)
		return -errno;
	fwd_installed[sig] = 0;
	__atomic_store_n(&fwd_pending[sig], 0, __ATOMIC_SEQ_CST);
	return 0;
}

void hull_fwd_restore(void)
{
	for (int sig = 1; sig < FWD_NSIG; sig++)
		hull_fwd_uninstall(sig);
	hull_fwd_target(0, -1);
}
