// VectorFile: float32 vectors read from a file through the page cache instead of held in memory.
// A segment whose graph keeps int8 codes (int8-space.h) re-ranks its candidates with the exact
// vectors, which stay where the segment object already stores them: rows x dimension little-endian
// float32 at a known offset. One pread per row from C++, with the engine's exact arithmetic
// (row-kernels.h); from JavaScript each read would cost a call and a buffer.
#pragma once

#include <napi.h>

namespace ossv {

Napi::Function DefineVectorFile(Napi::Env env);

}  // namespace ossv
