#include "brick/core/secrets.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <set>

namespace brick {
namespace {

struct SecretRegistry {
    std::mutex mutex;
    // Longest first, so a secret that contains another is masked whole.
    std::set<std::string, bool (*)(const std::string&, const std::string&)> values{
        [](const std::string& a, const std::string& b) {
            return a.size() != b.size() ? a.size() > b.size() : a < b;
        }};
};

SecretRegistry& registry() {
    static SecretRegistry instance;
    return instance;
}

}  // namespace

void register_secret(std::string_view value) {
    if (value.empty()) {
        return;
    }
    auto& reg = registry();
    const std::lock_guard lock(reg.mutex);
    reg.values.emplace(value);
}

void forget_secrets() {
    auto& reg = registry();
    const std::lock_guard lock(reg.mutex);
    reg.values.clear();
}

std::string mask_secrets(std::string_view text) {
    std::string out(text);
    auto& reg = registry();
    const std::lock_guard lock(reg.mutex);
    for (const auto& secret : reg.values) {
        std::size_t pos = 0;
        while ((pos = out.find(secret, pos)) != std::string::npos) {
            out.replace(pos, secret.size(), masked_text);
            pos += masked_text.size();
        }
    }
    return out;
}

bool is_secret_key(std::string_view key) {
    std::string lower(key);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static constexpr std::array<std::string_view, 5> markers = {"password", "secret", "keyring",
                                                                "passwd", "auth_key"};
    if (std::any_of(markers.begin(), markers.end(),
                    [&](std::string_view m) { return lower.find(m) != std::string::npos; })) {
        return lower != "secret_type" && lower != "secret_uuid";
    }
    return lower == "key" || lower == "dhchap_key" || lower == "dhchap_ctrl_key";
}

}  // namespace brick
