#include "CSHA256.h"

/* BoringSSL's one-shot SHA256(), as swift-crypto builds it: every BoringSSL symbol there
 * carries the `CCryptoBoringSSL_` prefix, and the Crypto product links it into whatever
 * uses this target. Should swift-crypto ever rename it, linking fails; nothing breaks
 * silently. (It uses the CPU's SHA instructions where there are any, as Crypto does.) */
extern uint8_t *CCryptoBoringSSL_SHA256(const uint8_t *data, size_t length, uint8_t digest[32]);

void pp_sha256(const uint8_t *data, size_t length, uint8_t digest[32]) {
    CCryptoBoringSSL_SHA256(data, length, digest);
}
