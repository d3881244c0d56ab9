#pragma once
// What /proc says about a process (the server under test) and about the
// machine, read at the boundaries of a benchmark phase.
//
// Thread safety: the functions are reentrant. They return 0 / empty values
// when the files cannot be read (e.g. the process has gone).

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace chat::bench {

/// VmRSS of `pid` in KiB (/proc/<pid>/status).
std::uint64_t rss_kib(pid_t pid);

/// utime + stime of `pid`, all threads, in clock ticks (/proc/<pid>/stat fields 14, 15).
std::uint64_t cpu_ticks(pid_t pid);

/// Time on CPU of every current thread of `pid`, in nanoseconds (sum of the first
/// field of /proc/<pid>/task/*/schedstat): the same quantity as cpu_ticks with
/// nanosecond rather than 10 ms resolution, for short phases.
std::uint64_t cpu_ns(pid_t pid);

/// CPU time of this process (getrusage RUSAGE_SELF), user + system, in nanoseconds.
std::uint64_t own_cpu_ns();

/// The pids of the kernel's ksoftirqd/<n> threads. Loopback TCP receive work
/// normally runs in the sender's context and is charged to it; under load the
/// kernel may defer it to these threads, where no process is charged for it.
std::vector<pid_t> ksoftirqd_pids();

/// Busy and total jiffies of all CPUs (/proc/stat "cpu" line; idle and iowait
/// are not busy).
struct machine_ticks {
    std::uint64_t busy = 0;
    std::uint64_t total = 0;
};
machine_ticks read_machine_ticks();

}  // namespace chat::bench
