#include "latency.hpp"

#include <algorithm>
#include <cmath>

namespace brick::lab::certify {

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) {
        return 0;
    }
    const auto rank =
        static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

Percentiles percentiles_of(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    Percentiles p;
    p.count = samples.size();
    if (samples.empty()) {
        return p;
    }
    p.min = samples.front();
    p.p50 = percentile(samples, 50);
    p.p90 = percentile(samples, 90);
    p.p99 = percentile(samples, 99);
    p.max = samples.back();
    return p;
}

void Latencies::record(const std::string& operation, double milliseconds) {
    const std::lock_guard lock(mutex_);
    samples_[operation].push_back(milliseconds);
}

std::map<std::string, std::vector<double>> Latencies::samples() const {
    const std::lock_guard lock(mutex_);
    return samples_;
}

nlohmann::json Latencies::to_json() const {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [operation, values] : samples()) {
        const auto p = percentiles_of(values);
        out[operation] = {{"count", p.count},    {"min_ms", p.min}, {"p50_ms", p.p50},
                          {"p90_ms", p.p90},     {"p99_ms", p.p99}, {"max_ms", p.max},
                          {"samples_ms", values}};
    }
    return out;
}

}  // namespace brick::lab::certify
