#pragma once
// CHAP credentials from connection properties: <prefix>method, <prefix>username,
// <prefix>password and, for mutual CHAP, <prefix>username_in/<prefix>password_in
// (prefix "auth_" for the session, "discovery_auth_" for SendTargets).

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "brick/properties/common.hpp"
#include "brick/properties/reader.hpp"

namespace brick {

// Every password present is registered as a secret, even when the method is
// absent and the credentials are therefore unused. Returns nullopt without a
// method (or with method "None").
std::optional<ChapCredentials> parse_chap(const ObjectReader& in, std::string_view prefix);

// {"method", "username", "password": "***", ...}: passwords are always masked.
nlohmann::json chap_to_json(const ChapCredentials& chap);

}  // namespace brick
