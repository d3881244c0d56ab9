#include "proc_stats.hpp"

#include <sys/resource.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace chat::bench {

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::uint64_t to_u64(std::string_view s) {
    std::uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

}  // namespace

std::uint64_t rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) {
            const auto digits = line.find_first_of("0123456789");
            return digits == std::string::npos ? 0 : to_u64(std::string_view(line).substr(digits));
        }
    }
    return 0;
}

std::uint64_t cpu_ticks(pid_t pid) {
    // The command name (field 2) may hold spaces and parentheses: count the
    // fields from the last ')'. utime and stime are fields 14 and 15.
    const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    std::uint64_t sum = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 14 || index == 15) sum += to_u64(field);
        if (index == 15) break;
    }
    return sum;
}

std::uint64_t cpu_ns(pid_t pid) {
    std::uint64_t sum = 0;
    std::error_code ec;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
        sum += to_u64(slurp(task.path() / "schedstat"));
    }
    return sum;
}

std::uint64_t own_cpu_ns() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const auto ns = [](const timeval& tv) {
        return static_cast<std::uint64_t>(tv.tv_sec) * 1'000'000'000ULL +
               static_cast<std::uint64_t>(tv.tv_usec) * 1'000ULL;
    };
    return ns(ru.ru_utime) + ns(ru.ru_stime);
}

std::vector<pid_t> ksoftirqd_pids() {
    std::vector<pid_t> pids;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (slurp(entry.path() / "comm").starts_with("ksoftirqd/")) {
            pids.push_back(static_cast<pid_t>(to_u64(name)));
        }
    }
    return pids;
}

machine_ticks read_machine_ticks() {
    std::ifstream in("/proc/stat");
    std::string label;
    in >> label;  // "cpu"
    machine_ticks t;
    std::uint64_t v = 0;
    // user nice system idle iowait irq softirq steal; guest time is already in user.
    for (int column = 1; column <= 8 && in >> v; ++column) {
        t.total += v;
        if (column != 4 && column != 5) t.busy += v;  // idle, iowait
    }
    return t;
}

}  // namespace chat::bench
