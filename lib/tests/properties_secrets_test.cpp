// CHAP passwords and RBD keyrings never appear in to_json output or in error
// messages, whether the properties parse or not.

#include <array>
#include <catch2/catch.hpp>

#include "brick/core/secrets.hpp"
#include "brick/properties/parse.hpp"
#include "properties_support.hpp"

namespace {

using brick::Protocol;
using nlohmann::json;

json iscsi_chap() {
    return {{"target_portal", "10.0.0.1:3260"},
            {"target_iqn", "iqn.2001-04.com.example:disk"},
            {"auth_method", "CHAP"},
            {"auth_username", "sessionuser"},
            {"auth_password", "SessPw-9fK2"},
            {"auth_username_in", "targetuser"},
            {"auth_password_in", "MutualPw-7hQ4"},
            {"discovery_auth_method", "CHAP"},
            {"discovery_auth_username", "discuser"},
            {"discovery_auth_password", "DiscPw-3xR8"}};
}

constexpr std::array iscsi_secrets = {"SessPw-9fK2", "MutualPw-7hQ4", "DiscPw-3xR8"};

json rbd_keyring() {
    return {{"name", "volumes/volume-1"},
            {"hosts", {"10.0.0.31"}},
            {"ports", {"6789"}},
            {"auth_username", "cinder"},
            {"keyring", "[client.cinder]\n\tkey = AQBsecretsTestKeyAAAAAAAAAAAAAAAA==\n"}};
}

bool contains(const std::string& text, std::string_view secret) {
    return text.find(secret) != std::string::npos;
}

}  // namespace

TEST_CASE("to_json masks CHAP passwords", "[properties][secrets]") {
    const auto out = brick::validate_properties(Protocol::iscsi, iscsi_chap()).dump();
    for (const auto* secret : iscsi_secrets) {
        INFO(secret);
        CHECK_FALSE(contains(out, secret));
    }
    const auto props = brick::iscsi::parse_properties(iscsi_chap());
    REQUIRE(props.session_chap);
    CHECK(props.session_chap->password == "SessPw-9fK2");  // the typed value keeps it
    CHECK(props.session_chap->mutual());
    CHECK(brick::iscsi::to_json(props)["auth"]["password_in"] == brick::masked_text);
    CHECK(brick::iscsi::to_json(props)["discovery_auth"]["password"] == brick::masked_text);
}

TEST_CASE("to_json masks the RBD keyring and the key inside it", "[properties][secrets]") {
    const auto out = brick::validate_properties(Protocol::rbd, rbd_keyring());
    CHECK(out["properties"]["keyring"] == brick::masked_text);
    CHECK_FALSE(contains(out.dump(), "AQBsecretsTestKey"));
    // The bare key is registered too: a generated ceph.conf or argv gets masked.
    CHECK(brick::mask_secrets("key=AQBsecretsTestKeyAAAAAAAAAAAAAAAA==") == "key=***");
}

TEST_CASE("errors never quote a secret", "[properties][secrets]") {
    struct Case {
        Protocol protocol;
        json data;
        std::string secret;
    };
    std::vector<Case> cases;
    // A malformed secret itself.
    auto bad_password = iscsi_chap();
    bad_password["auth_password"] = "Bad\nSecretPw-1aZ";
    cases.push_back({Protocol::iscsi, bad_password, "Bad\nSecretPw-1aZ"});
    // A secret beside a malformed key.
    auto bad_user = iscsi_chap();
    bad_user["auth_username"] = "bad user";
    bad_user["auth_password"] = "NeighbourPw-5tY";
    cases.push_back({Protocol::iscsi, bad_user, "NeighbourPw-5tY"});
    // A secret given without a method (unused) next to a malformed portal.
    json unused = {{"target_portal", "10.0.0.1:99999"},
                   {"target_iqn", "iqn.2001-04.com.example:disk"},
                   {"auth_password", "UnusedPw-8uI"}};
    cases.push_back({Protocol::iscsi, unused, "UnusedPw-8uI"});
    // A malformed secret that a driver wrongly put where a name belongs.
    auto secret_as_name = iscsi_chap();
    secret_as_name["auth_password"] = "NamedPw;1";
    secret_as_name["auth_username"] = "NamedPw;1";
    cases.push_back({Protocol::iscsi, secret_as_name, "NamedPw;1"});
    auto bad_keyring = rbd_keyring();
    bad_keyring["keyring"] = "[client.cinder]\n\tkey = AQBbadKeyring\u0001==\n";
    cases.push_back({Protocol::rbd, bad_keyring, "AQBbadKeyring"});
    auto keyring_bad_name = rbd_keyring();
    keyring_bad_name["name"] = "volumes";
    keyring_bad_name["keyring"] = "[client.x]\n\tkey = AQBneighbourKeyring==\n";
    cases.push_back({Protocol::rbd, keyring_bad_name, "AQBneighbourKeyring"});

    for (const auto& c : cases) {
        INFO(c.data.dump());
        const auto error =
            brick::testing::error_of([&] { brick::validate_properties(c.protocol, c.data); });
        REQUIRE(error);
        CHECK(error->category() == brick::ErrorCategory::invalid_properties);
        CHECK_FALSE(contains(error->what(), c.secret));
        CHECK_FALSE(contains(error->message(), c.secret));
        CHECK_FALSE(contains(error->field(), c.secret));
    }
}
