// The model's floors: for each volume operation, the sum of the delays the
// model itself charges along the shortest correct sequence of steps. A
// connector cannot finish faster than its floor on this model; benchmarks
// report their times as ratios to it.
#include <algorithm>
#include <cstddef>
#include <utility>

#include "sim/model/model.hpp"

namespace brick::sim {
namespace {

// The distribution of a delay in whole milliseconds: probabilities of
// first, first + 1, ... Exact, so the floors need no sampling.
class Distribution {
  public:
    static Distribution constant(unsigned ms) { return Distribution(ms, {1.0}); }

    // A delay of base +- base * jitter_percent / 100, uniform over the whole
    // milliseconds in between, as Model::jittered draws it.
    static Distribution jittered(unsigned base, unsigned jitter_percent) {
        const auto spread = static_cast<unsigned>(std::uint64_t{base} * jitter_percent / 100);
        const std::size_t count = 2 * std::size_t{spread} + 1;
        return {base - spread, std::vector<double>(count, 1.0 / double(count))};
    }

    // The sum of two independent delays.
    Distribution plus(const Distribution& other) const {
        std::vector<double> out(p_.size() + other.p_.size() - 1, 0.0);
        for (std::size_t i = 0; i < p_.size(); ++i) {
            for (std::size_t j = 0; j < other.p_.size(); ++j) {
                out[i + j] += p_[i] * other.p_[j];
            }
        }
        return {first_ + other.first_, std::move(out)};
    }

    // The later of two independent delays (steps that run in parallel).
    Distribution later(const Distribution& other) const {
        const auto low = std::min(first_, other.first_);
        const auto high = std::max(last(), other.last());
        std::vector<double> out(high - low + 1, 0.0);
        double previous = 0.0;
        for (auto t = low; t <= high; ++t) {
            const double both = cumulative(t) * other.cumulative(t);
            out[t - low] = both - previous;
            previous = both;
        }
        return {low, std::move(out)};
    }

    // The smallest t with P(delay <= t) >= q.
    unsigned quantile(double q) const {
        double sum = 0.0;
        for (std::size_t i = 0; i < p_.size(); ++i) {
            sum += p_[i];
            if (sum >= q - 1e-12) {
                return first_ + static_cast<unsigned>(i);
            }
        }
        return last();
    }

  private:
    Distribution(unsigned first, std::vector<double> p) : first_(first), p_(std::move(p)) {}
    unsigned last() const { return first_ + static_cast<unsigned>(p_.size()) - 1; }
    double cumulative(unsigned t) const {
        if (t < first_) {
            return 0.0;
        }
        double sum = 0.0;
        for (std::size_t i = 0; i < p_.size() && first_ + i <= t; ++i) {
            sum += p_[i];
        }
        return std::min(sum, 1.0);
    }

    unsigned first_;
    std::vector<double> p_;
};

// One floor being summed: its distribution and the terms that make it.
struct FloorSum {
    Distribution total = Distribution::constant(0);
    nlohmann::json terms = nlohmann::json::array();

    void add(const std::string& name, const Distribution& d, unsigned nominal) {
        total = total.plus(d);
        terms.push_back({{"step", name}, {"ms", nominal}});
    }
};

nlohmann::json floor_record(const std::string& sequence, const FloorSum& sum, unsigned nominal) {
    return {{"sequence", sequence},
            {"terms", sum.terms},
            {"nominal_ms", nominal},
            {"median_ms", sum.total.quantile(0.5)},
            {"p95_ms", sum.total.quantile(0.95)}};
}

}  // namespace

nlohmann::json Model::floors(unsigned parallel) const {
    const auto& t = fabric_.timing;
    const auto jitter = t.jitter_percent;
    const auto fixed = [](unsigned ms) { return Distribution::constant(ms); };
    const auto drawn = [jitter](unsigned ms) { return Distribution::jittered(ms, jitter); };
    nlohmann::json out{{"timing",
                        {{"tool_ms", t.tool_ms},
                         {"login_ms", t.login_ms},
                         {"logout_ms", t.logout_ms},
                         {"scan_ms", t.scan_ms},
                         {"disk_ms", t.disk_ms},
                         {"udev_ms", t.udev_ms},
                         {"map_ms", t.map_ms},
                         {"delete_ms", t.delete_ms},
                         {"flush_ms", t.flush_ms},
                         {"nvme_connect_ms", t.nvme_connect_ms},
                         {"nvme_ns_ms", t.nvme_ns_ms},
                         {"nvme_delete_ms", t.nvme_delete_ms},
                         {"jitter_percent", jitter}}}};

    // One iSCSI path up to its disk: the node record, the login, a targeted
    // scan, the disk and its /dev node (the record's manual-scan setting is
    // not counted).
    FloorSum path;
    path.add("iscsiadm -m node -o new", fixed(t.tool_ms), t.tool_ms);
    path.add("iscsiadm -m node --login", fixed(t.tool_ms), t.tool_ms);
    path.add("login", drawn(t.login_ms), t.login_ms);
    path.add("scan write", fixed(t.scan_ms), t.scan_ms);
    path.add("disk and /dev node after the scan", drawn(t.disk_ms), t.disk_ms);
    const unsigned path_nominal = 2 * t.tool_ms + t.login_ms + t.scan_ms + t.disk_ms;
    out["iscsi_attach"] =
        floor_record("node record, login, targeted scan, until /sys/block/sdX and /dev/sdX exist",
                     path, path_nominal);

    if (parallel > 1) {
        // Independent volumes attached at once: done when the last one is.
        FloorSum all = path;
        for (unsigned i = 1; i < parallel; ++i) {
            all.total = all.total.later(path.total);
        }
        out["iscsi_attach_parallel"] =
            floor_record(std::to_string(parallel) +
                             " single-path attaches of independent volumes at once, "
                             "until the last disk exists",
                         all, path_nominal);
    }

    // Every detach floor flushes the device in use once before removing it:
    // removing a device drops what its cache still holds.
    const auto flush = fixed(t.tool_ms + t.flush_ms);
    FloorSum detach;
    detach.add("blockdev --flushbufs", flush, t.tool_ms + t.flush_ms);
    detach.add("delete write", drawn(t.delete_ms), t.delete_ms);
    detach.add("iscsiadm --logout", fixed(t.tool_ms), t.tool_ms);
    detach.add("logout", drawn(t.logout_ms), t.logout_ms);
    detach.add("iscsiadm -m node -o delete", fixed(t.tool_ms), t.tool_ms);
    out["iscsi_detach"] =
        floor_record("flush, delete the disk, logout, delete the node record", detach,
                     3 * t.tool_ms + t.flush_ms + t.delete_ms + t.logout_ms);

    // Two portals in parallel; once a path's disk is there, its WWID goes to
    // the wwids file and the path to multipathd, and the map takes the path
    // map_ms later. The map is complete when the later path joined.
    FloorSum one_path = path;
    one_path.add("multipath -a WWID", fixed(t.tool_ms), t.tool_ms);
    one_path.add("multipathd add path", fixed(t.tool_ms), t.tool_ms);
    one_path.add("map takes the path", drawn(t.map_ms), t.map_ms);
    FloorSum multipath = one_path;
    multipath.total = one_path.total.later(one_path.total);
    out["iscsi_multipath_attach"] = floor_record(
        "two paths in parallel (node record, login, targeted scan, disk), WWID added, "
        "both paths added, until the map holds both",
        multipath, path_nominal + 2 * t.tool_ms + t.map_ms);

    const auto delete_both = drawn(t.delete_ms).later(drawn(t.delete_ms));
    const auto logout_both = drawn(t.logout_ms).later(drawn(t.logout_ms));
    FloorSum multipath_detach;
    multipath_detach.add("blockdev --flushbufs of the map", flush, t.tool_ms + t.flush_ms);
    multipath_detach.add("multipath -f MAP", fixed(t.tool_ms), t.tool_ms);
    multipath_detach.add("delete writes of both paths, in parallel", delete_both, t.delete_ms);
    multipath_detach.add("iscsiadm --logout of both portals, in parallel", fixed(t.tool_ms),
                         t.tool_ms);
    multipath_detach.add("logouts", logout_both, t.logout_ms);
    multipath_detach.add("iscsiadm -m node -o delete", fixed(t.tool_ms), t.tool_ms);
    out["iscsi_multipath_detach"] = floor_record(
        "flush and remove the map, delete both disks, log out of both portals, delete the "
        "node records",
        multipath_detach, 4 * t.tool_ms + t.flush_ms + t.delete_ms + t.logout_ms);

    FloorSum nvme;
    nvme.add("connect write to /dev/nvme-fabrics", drawn(t.nvme_connect_ms), t.nvme_connect_ms);
    nvme.add("namespace and /dev node after the controller is live", drawn(t.nvme_ns_ms),
             t.nvme_ns_ms);
    out["nvme_attach"] =
        floor_record("a write to /dev/nvme-fabrics, until the namespace's /dev node exists", nvme,
                     t.nvme_connect_ms + t.nvme_ns_ms);

    FloorSum nvme_detach;
    nvme_detach.add("blockdev --flushbufs of the namespace", flush, t.tool_ms + t.flush_ms);
    nvme_detach.add("delete_controller write", drawn(t.nvme_delete_ms), t.nvme_delete_ms);
    out["nvme_detach"] =
        floor_record("flush the namespace, a write to the controller's delete_controller",
                     nvme_detach, t.tool_ms + t.flush_ms + t.nvme_delete_ms);
    return out;
}

}  // namespace brick::sim
