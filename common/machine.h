// File: common/machine.h
//
// This machine, as processes that share it see it: an id every process running on the same
// kernel shares (containers and network namespaces included) and no other machine has, and
// the CPUs this process may run on. Ranks compare ids to learn who shares their CPUs and
// GPUs (worker/distributed.cc, worker/comm/gloo_communicator.cc).
#ifndef CONCORD_COMMON_MACHINE_H_
#define CONCORD_COMMON_MACHINE_H_

#include <string>

namespace concord {

// The running kernel's boot id (/proc/sys/kernel/random/boot_id): shared by every process on
// this machine, whatever its host name or namespace, and by no other machine, even one with
// the same host name. The host name where the boot id cannot be read.
std::string MachineId();

// The CPUs in this process's affinity mask (which taskset and cpusets narrow); at least 1.
int UsableCpus();

}  // namespace concord

#endif  // CONCORD_COMMON_MACHINE_H_
