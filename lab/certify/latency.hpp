#pragma once
// Latency of each operation of a certification run (provisioner verbs,
// connect, disconnect, extend, I/O), with percentiles for the report.

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace brick::lab::certify {

struct Percentiles {
    std::size_t count = 0;
    double min = 0;
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double max = 0;
};

// Nearest-rank percentile (p in 0..100) of sorted samples; 0 when empty.
double percentile(const std::vector<double>& sorted, double p);
Percentiles percentiles_of(std::vector<double> samples);

class Latencies {
  public:
    // Thread-safe: concurrent attaches record from several tasks.
    void record(const std::string& operation, double milliseconds);
    std::map<std::string, std::vector<double>> samples() const;
    // {"operation": {"count", "min_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms", "samples_ms"}}
    nlohmann::json to_json() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<double>> samples_;
};

}  // namespace brick::lab::certify
