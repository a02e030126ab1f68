/* CPrefetch has only an inline function in its header; SwiftPM needs one source file. */
#include "CPrefetch.h"
