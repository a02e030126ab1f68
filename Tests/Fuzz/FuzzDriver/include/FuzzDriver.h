#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver, for fuzz targets that must bring their own main: SwiftPM links
// executables with main renamed to <target>_main, so libFuzzer's own main is never used.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
