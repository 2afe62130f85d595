#pragma once
// Low-level text checks shared by the connection-property parsers. Names a
// storage service sends can end up on a command line (iscsiadm, nvme, rbd,
// mount) or in a path, so they are checked against an allow-list of characters
// instead of a deny-list of dangerous ones. Every function throws
// brick::Error(invalid_properties) naming the field.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace brick {

// "a string", "a number", "an array", ...: the JSON type of a value, for messages.
std::string_view json_type_name(const nlohmann::json& value);

// A short printable rendering of a (non-secret) value: JSON-escaped so control
// characters are visible, cut after 80 characters, secrets masked.
std::string describe_value(const nlohmann::json& value);
std::string describe_text(std::string_view text);

// Letters, digits and these characters form the default "safe" set of a name.
inline constexpr std::string_view safe_name_punctuation = "._-:";

// A non-empty string of letters, digits and the characters in punctuation, at
// most max_length bytes. what describes the value ("an RBD pool name").
std::string parse_safe_name(const std::string& field, std::string_view text, std::string_view what,
                            std::string_view punctuation = safe_name_punctuation,
                            std::size_t max_length = 255);

// A single path component: a safe name that is not "." or "..".
std::string parse_path_component(const std::string& field, std::string_view text,
                                 std::string_view what,
                                 std::string_view punctuation = safe_name_punctuation);

// An absolute path of safe components ("/dev/vg/lv"): no "..", ".", empty
// components or trailing slash.
std::string parse_absolute_path(const std::string& field, std::string_view text,
                                std::string_view what);

// Registers every string under a key that names a secret (is_secret_key:
// auth_password, keyring, ...) anywhere in value. Each protocol's parser calls
// it before it checks anything, so no error about another key can quote a
// secret (an IQN that happens to contain the CHAP password included).
void register_secrets_in(const nlohmann::json& value);

// A secret (password, key): a string without control characters (unless
// multiline, where newlines and tabs are allowed), at most max_length bytes.
// Registered with register_secret() before anything else is checked, and never
// quoted in an error message.
std::string parse_secret(const std::string& field, const nlohmann::json& value,
                         bool multiline = false, std::size_t max_length = 4096);

}  // namespace brick
