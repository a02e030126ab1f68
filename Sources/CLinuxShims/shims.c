#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include "CLinuxShims.h"

int pp_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

int pp_unshare_net(void) { return unshare(CLONE_NEWNET); }

int pp_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
