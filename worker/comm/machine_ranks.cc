#include "worker/comm/machine_ranks.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/machine.h"

namespace concord::comm {

absl::StatusOr<int> RanksOnThisMachine(KeyValueStore& store, int rank, int world_size, absl::Duration timeout) {
  const std::string mine = MachineId();
  auto failed = [](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat("comparing machines: ", s.message()));
  };
  if (absl::Status s = store.Set(absl::StrCat("machine/", rank), mine); !s.ok()) return failed(s);
  int here = 0;
  for (int r = 0; r < world_size; ++r) {
    absl::StatusOr<std::string> theirs = store.Get(absl::StrCat("machine/", r), timeout);
    if (!theirs.ok()) return failed(theirs.status());
    if (*theirs == mine) ++here;
  }
  return here;
}

}  // namespace concord::comm
