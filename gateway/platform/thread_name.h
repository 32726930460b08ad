// Names the calling thread, so `top -H`, `perf` and /proc/PID/task/*/comm tell the server's threads apart
// (I/O, write pool, checkpointer, audit writer, delivery). Linux keeps at most 15 characters.
#pragma once

namespace fhirgw::platform {

void name_this_thread(const char* name);

}  // namespace fhirgw::platform
