#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/x_tables.h>
#include "CNetfilterShims.h"

size_t pp_mnl_socket_buffer_size(void) { return MNL_SOCKET_BUFFER_SIZE; }

size_t pp_nlmsg_hdrlen(void) { return MNL_NLMSG_HDRLEN; }

size_t pp_mnl_align(size_t length) { return MNL_ALIGN(length); }

size_t pp_xt_align(size_t length) { return XT_ALIGN(length); }

static struct nlmsghdr *batch_marker(char *buf, uint16_t type, uint32_t seq) {
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    nlh->nlmsg_seq = seq;
    struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
    nfg->nfgen_family = AF_UNSPEC;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
    return nlh;
}

size_t pp_batch_begin(char *buf, uint32_t seq, uint32_t genid) {
    struct nlmsghdr *nlh = batch_marker(buf, NFNL_MSG_BATCH_BEGIN, seq);
    if (genid != 0)
        mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
    return nlh->nlmsg_len;
}

size_t pp_batch_end(char *buf, uint32_t seq) {
    struct nlmsghdr *nlh = batch_marker(buf, NFNL_MSG_BATCH_END, seq);
    nlh->nlmsg_flags |= NLM_F_ACK;
    return nlh->nlmsg_len;
}

struct nlmsghdr *pp_nlmsg_build_hdr(char *buf, uint16_t type, uint16_t family,
                                    uint16_t flags, uint32_t seq) {
    return nftnl_nlmsg_build_hdr(buf, type, family, flags, seq);
}

uint16_t pp_nft_message_type(uint16_t msg) { return (NFNL_SUBSYS_NFTABLES << 8) | msg; }

int pp_recv_many(int fd, void *buf, size_t size, unsigned count, size_t *lengths) {
    struct mmsghdr messages[count];
    struct iovec vectors[count];
    memset(messages, 0, sizeof(messages));
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = (char *)buf + i * size;
        vectors[i].iov_len = size;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int received = recvmmsg(fd, messages, count, MSG_WAITFORONE, NULL);
    for (int i = 0; i < received; i++) {
        lengths[i] = (messages[i].msg_hdr.msg_flags & MSG_TRUNC) ? SIZE_MAX : messages[i].msg_len;
    }
    return received;
}
