#include "run_all.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "brick/core/error.hpp"
#include "brick/core/secrets.hpp"
#include "brick/properties/text.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

struct RunItem {
    std::size_t scenario = 0;
    std::uint64_t seed = 0;
};

void register_chap(const std::optional<ChapSpec>& chap) {
    if (chap) {
        register_secret(chap->password);
        register_secret(chap->password_in);
    }
}

}  // namespace

void register_scenario_secrets(const Scenario& scenario) {
    for (const auto& target : scenario.fabric.iscsi_targets) {
        register_chap(target.chap);
        register_chap(target.discovery_chap);
    }
    if (scenario.fabric.rbd) {
        for (const auto& [user, key] : scenario.fabric.rbd->users) {
            register_secret(key);
        }
    }
    for (const auto& [name, volume] : scenario.volumes) {
        if (volume.passphrase) {
            register_secret(*volume.passphrase);
        }
        register_secrets_in(volume.extra_properties);
        try {
            register_secrets_in(scenario.connection_info(name));
        } catch (const std::exception&) {
            // A volume the fabric cannot describe fails in its own run; the
            // fabric's secrets are registered above either way.
        }
    }
}

std::vector<ScenarioResult> run_all(const BackendFactory& make_backend,
                                    const std::vector<Scenario>& scenarios,
                                    const std::vector<std::uint64_t>& seeds,
                                    const fs::path& trace_dir, int jobs,
                                    const ProgressFn& progress) {
    std::map<std::string, const Scenario*> by_name;
    for (const auto& scenario : scenarios) {
        const auto [it, added] = by_name.emplace(scenario.name, &scenario);
        if (!added) {
            throw Error(ErrorCategory::invalid_properties,
                        "two scenarios are named " + scenario.name + " (" +
                            it->second->file.string() + " and " + scenario.file.string() +
                            "): expected unique names",
                        "name");
        }
        register_scenario_secrets(scenario);
    }
    std::vector<RunItem> items;
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
        for (const auto seed : seeds) {
            items.push_back({i, seed});
        }
    }
    std::vector<ScenarioResult> results(items.size());
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex mutex;  // guards done, error and the progress callback
    std::size_t done = 0;
    std::exception_ptr error;

    const auto work = [&] {
        try {
            const auto backend = make_backend();
            while (!stop) {
                const auto i = next.fetch_add(1);
                if (i >= items.size()) {
                    return;
                }
                const auto& scenario = scenarios[items[i].scenario];
                const auto seed = items[i].seed;
                const auto trace =
                    trace_dir / (scenario.name + "-seed" + std::to_string(seed) + ".jsonl");
                results[i] = run_scenario(*backend, scenario, seed, trace.string());
                const std::lock_guard lock(mutex);
                ++done;
                if (progress) {
                    progress(done, items.size(), results[i]);
                }
            }
        } catch (...) {
            const std::lock_guard lock(mutex);
            if (!error) {
                error = std::current_exception();
            }
            stop = true;
        }
    };

    const auto workers = std::min(static_cast<std::size_t>(std::max(jobs, 1)),
                                  std::max<std::size_t>(items.size(), 1));
    if (workers == 1) {
        work();
    } else {
        std::vector<std::thread> threads;
        threads.reserve(workers);
        for (std::size_t i = 0; i < workers; ++i) {
            threads.emplace_back(work);
        }
        for (auto& thread : threads) {
            thread.join();
        }
    }
    if (error) {
        std::rethrow_exception(error);
    }
    return results;
}

}  // namespace brick::lab
