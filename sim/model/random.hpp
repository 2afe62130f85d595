#pragma once
// The seeded random source of the simulator. std::mt19937_64's output is fully
// specified by the standard; the std::*_distribution classes are not (their
// results differ between standard libraries), so the mappings to ranges and
// probabilities are written here.

#include <cstdint>
#include <random>

namespace brick::sim {

class Random {
  public:
    explicit Random(std::uint64_t seed) : engine_(seed) {}

    std::uint64_t next() { return engine_(); }

    // Uniform in [0, bound); 0 when bound is 0. Rejection sampling, no bias.
    std::uint64_t below(std::uint64_t bound) {
        if (bound <= 1) {
            return 0;
        }
        const std::uint64_t threshold = (0 - bound) % bound;
        for (;;) {
            const auto x = engine_();
            if (x >= threshold) {
                return x % bound;
            }
        }
    }

    // True with probability p (53 random bits).
    bool chance(double p) {
        if (p >= 1.0) {
            return true;
        }
        if (p <= 0.0) {
            return false;
        }
        constexpr double scale = 1.0 / 9007199254740992.0;  // 2^-53
        return static_cast<double>(engine_() >> 11U) * scale < p;
    }

  private:
    std::mt19937_64 engine_;
};

}  // namespace brick::sim
