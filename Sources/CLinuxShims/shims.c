#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <unistd.h>
#include "CLinuxShims.h"

int pp_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

int pp_unshare_net(void) { return unshare(CLONE_NEWNET); }

int pp_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int pp_keep_freed_memory(int mmap_threshold, int trim_threshold) {
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1;
}

int pp_release_free_memory(void) { return malloc_trim(0); }
