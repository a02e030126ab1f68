#ifndef PACKETPATH_CNETFILTERSHIMS_H
#define PACKETPATH_CNETFILTERSHIMS_H

#include <stddef.h>
#include <stdint.h>

/* Out-of-line stand-ins for libmnl/libnftnl/netlink macros Swift cannot import. */

struct nlmsghdr;

/* MNL_SOCKET_BUFFER_SIZE: the receive buffer size libmnl recommends. */
size_t pp_mnl_socket_buffer_size(void);

/* NLMSG_HDRLEN / MNL_NLMSG_HDRLEN. */
size_t pp_nlmsg_hdrlen(void);

/* MNL_ALIGN. */
size_t pp_mnl_align(size_t length);

/* XT_ALIGN: xt match/target payloads are padded to this. */
size_t pp_xt_align(size_t length);

/* NFNL_MSG_BATCH_BEGIN for nf_tables, carrying NFNL_BATCH_GENID when genid != 0 so that the
 * kernel refuses the whole batch (ERESTART) if the ruleset changed since genid was read.
 * Returns the message length written at buf. */
size_t pp_batch_begin(char *buf, uint32_t seq, uint32_t genid);

/* NFNL_MSG_BATCH_END with NLM_F_ACK, so a committed batch is confirmed by one ack. */
size_t pp_batch_end(char *buf, uint32_t seq);

/* nftnl_{table,chain,rule,...}_nlmsg_build_hdr are macros aliasing this. */
struct nlmsghdr *pp_nlmsg_build_hdr(char *buf, uint16_t type, uint16_t family,
                                    uint16_t flags, uint32_t seq);

/* The NFNL_SUBSYS_NFTABLES message type (subsys << 8 | msg). */
uint16_t pp_nft_message_type(uint16_t msg);

/* recvmmsg with MSG_WAITFORONE: up to `count` datagrams of at most `size` bytes each into
 * consecutive `size`-byte slots of `buf`, waiting only for the first. lengths[i] is each
 * one's length, or SIZE_MAX when it did not fit its slot. Returns the number received, or
 * -1 with errno. */
int pp_recv_many(int fd, void *buf, size_t size, unsigned count, size_t *lengths);

#endif
