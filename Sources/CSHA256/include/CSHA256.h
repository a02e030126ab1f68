#ifndef PACKETPATH_CSHA256_H
#define PACKETPATH_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 of `length` bytes at `data` into `digest` (32 bytes), in one call with the
 * context on the stack. Swift Crypto's `SHA256` allocates, locks and wipes a context
 * object for every hash, which cost twice the hashing itself for the 110,000 short chain
 * names of 10,000 Services. */
void pp_sha256(const uint8_t *data, size_t length, uint8_t digest[32]);

#endif
