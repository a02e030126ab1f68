#ifndef PACKETPATH_CLINUXSHIMS_H
#define PACKETPATH_CLINUXSHIMS_H

/* Out-of-line wrappers for Linux calls Swift's Glibc module does not declare without
 * _GNU_SOURCE (setns, unshare, pipe2), and glibc's mallopt, which it does not declare at all. */

/* Enters the network namespace behind fd on the calling thread. 0 or -1 with errno. */
int pp_setns_net(int fd);

/* Moves the calling thread into a new, empty network namespace. 0 or -1 with errno. */
int pp_unshare_net(void);

/* pipe2(fds, O_CLOEXEC). */
int pp_pipe_cloexec(int fds[2]);

/* glibc's mallopt(M_MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD): blocks below the first
 * come from the heap, and freed heap memory is returned to the system only beyond the
 * second. 1 when both were accepted. */
int pp_keep_freed_memory(int mmap_threshold, int trim_threshold);

/* Returns the free pages inside the heap to the system (malloc_trim(0)); 1 when any were. */
int pp_release_free_memory(void);

#endif
