#include "platform/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace fhirgw::platform {

void name_this_thread(const char* name) {
  constexpr std::size_t kMax = 15;  // TASK_COMM_LEN - 1
  const std::string shortened(name, std::min(std::strlen(name), kMax));
  pthread_setname_np(pthread_self(), shortened.c_str());  // a failure only leaves the inherited name
}

}  // namespace fhirgw::platform
