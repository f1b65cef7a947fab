#ifndef HULL_SIGNALS_FORWARD_H
#define HULL_SIGNALS_FORWARD_H
int hull_fwd_install(int sig);
void hull_fwd_target(int pid, int pidfd);
int hull_fwd_uninstall(int sig);
void hull_fwd_restore(void);
#endif
