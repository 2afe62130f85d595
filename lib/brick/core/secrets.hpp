#pragma once
// Secret masking. Every CHAP password, key or keyring the library sees is
// registered here when it is parsed; every log line, trace record and error
// message passes through mask_secrets() before it leaves the process.

#include <string>
#include <string_view>

namespace brick {

inline constexpr std::string_view masked_text = "***";

// Remember a secret value (empty values are ignored). Thread-safe.
void register_secret(std::string_view value);

// Forget every registered secret. For tests and fuzzers, which parse many
// unrelated documents in one process and start each one clean. Thread-safe.
void forget_secrets();

// Replace every occurrence of every registered secret with "***". Thread-safe.
std::string mask_secrets(std::string_view text);

// True when a JSON key names a secret (password, secret, key, keyring, ...):
// values under such keys are masked wholesale in rendered properties.
bool is_secret_key(std::string_view key);

}  // namespace brick
