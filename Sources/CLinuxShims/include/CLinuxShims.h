#ifndef PACKETPATH_CLINUXSHIMS_H
#define PACKETPATH_CLINUXSHIMS_H

/* Out-of-line wrappers for Linux calls Swift's Glibc module does not declare without
 * _GNU_SOURCE (setns, unshare, pipe2). */

/* Enters the network namespace behind fd on the calling thread. 0 or -1 with errno. */
int pp_setns_net(int fd);

/* Moves the calling thread into a new, empty network namespace. 0 or -1 with errno. */
int pp_unshare_net(void);

/* pipe2(fds, O_CLOEXEC). */
int pp_pipe_cloexec(int fds[2]);

#endif
