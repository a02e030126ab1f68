#ifndef PACKETPATH_CPREFETCH_H
#define PACKETPATH_CPREFETCH_H

/* A non-blocking hint that `address` will be read soon. Never faults, whatever the address. */
static inline void pp_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
