// Table-driven: a malformed value for every key of every protocol gives an
// invalid_properties error naming the full field and what was expected, and
// leaves the input untouched.

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "brick/core/secrets.hpp"
#include "brick/properties/parse.hpp"
#include "malformed_properties.hpp"
#include "properties_support.hpp"

using brick::Protocol;
using nlohmann::json;
using namespace brick::testing::malformed;

TEST_CASE("table: a malformed value for every key gives a typed error", "[properties][malformed]") {
    std::set<std::string> keys_covered;
    for (const auto& row : all_cases()) {
        const auto data = row.data();
        const auto before = data;
        INFO(row.base << " " << row.pointer << " = " << row.value.value_or("(removed)"));
        const auto error =
            brick::testing::error_of([&] { brick::validate_properties(row.protocol(), data); });
        REQUIRE(error);
        INFO("field: " << error->field() << ", message: " << error->message());
        CHECK(error->category() == brick::ErrorCategory::invalid_properties);
        CHECK(error->field() == row.field);
        // Messages are masked: a reference example's password "secret" turns
        // "data.secret_uuid" into "data.***_uuid" in every later message.
        CHECK(error->message().rfind(brick::mask_secrets(row.field + ": expected "), 0) == 0);
        CHECK_THAT(error->message(), Catch::Contains(row.message, Catch::CaseSensitive::No));
        CHECK(data == before);
        keys_covered.insert(row.base + row.pointer);
    }
    CHECK(keys_covered.size() >= 80);
    // Every key of every base has at least one row for its protocol.
    std::set<std::pair<Protocol, std::string>> fields_covered;
    for (const auto& row : all_cases()) {
        const auto slash = row.pointer.find('/', 1);
        fields_covered.emplace(row.protocol(), row.pointer.substr(1, slash - 1));
    }
    for (const auto& [name, base] : bases()) {
        for (const auto& [key, value] : base.data.items()) {
            INFO(name << ": " << key);
            CHECK(fields_covered.count({base.protocol, key}) == 1);
        }
    }
}

TEST_CASE("table bases are valid", "[properties][malformed]") {
    for (const auto& [name, base] : bases()) {
        INFO(name);
        CHECK_NOTHROW(brick::validate_properties(base.protocol, base.data));
    }
}

TEST_CASE("envelope errors: wrong driver_volume_type, data and document types",
          "[properties][malformed]") {
    const auto& local = bases().at("local").data;
    struct EnvelopeRow {
        Protocol protocol;
        json document;
        const char* field;
        const char* message;
    };
    const auto envelope_rows = std::to_array<EnvelopeRow>({
        {Protocol::iscsi,
         {{"driver_volume_type", "nfs"}, {"data", local}},
         "driver_volume_type",
         "\"iscsi\" as requested"},
        {Protocol::iscsi,
         {{"driver_volume_type", "iser"}, {"data", local}},
         "driver_volume_type",
         "as requested"},
        {Protocol::local,
         {{"driver_volume_type", "bogus"}, {"data", local}},
         "driver_volume_type",
         "one of iscsi"},
        {Protocol::local,
         {{"driver_volume_type", 3}, {"data", local}},
         "driver_volume_type",
         "a string"},
        {Protocol::local, {{"driver_volume_type", "local"}, {"data", "x"}}, "data", "an object"},
        {Protocol::local, {{"driver_volume_type", "local"}}, "data", "an object"},
        {Protocol::local, json::array({1}), "document", "a JSON object"},
        {Protocol::local, "text", "document", "a JSON object"},
    });
    for (const auto& row : envelope_rows) {
        INFO(row.document.dump());
        const auto before = row.document;
        const auto error = brick::testing::error_of(
            [&] { brick::validate_properties(row.protocol, row.document); });
        REQUIRE(error);
        CHECK(error->category() == brick::ErrorCategory::invalid_properties);
        CHECK(error->field() == row.field);
        CHECK_THAT(error->message(), Catch::Contains(row.message));
        CHECK(row.document == before);
    }
}

TEST_CASE("a key given twice is refused, naming the field", "[properties][malformed]") {
    struct DuplicateRow {
        const char* text;
        const char* field;
    };
    // clang-format off
    constexpr auto duplicate_rows = std::to_array<DuplicateRow>({
        {R"({"target_portal": "198.51.100.7:3260", "target_iqn": "iqn.2004-05.net.example:a", "target_iqn": "iqn.2004-05.net.example:b"})", "data.target_iqn"},
        {R"({"driver_volume_type": "iscsi", "data": {"target_portal": "198.51.100.7:3260", "target_portal": "10.0.0.1:3260"}})", "data.target_portal"},
        {R"({"driver_volume_type": "iscsi", "driver_volume_type": "nfs", "data": {}})", "driver_volume_type"},
        {R"({"data": {"auth_password": "One-Secret-1", "auth_password": "Two-Secret-2"}, "driver_volume_type": "iscsi"})", "data.auth_password"},
        {R"({"volume_replicas": [{"target_nqn": "nqn.2016-06.io.spdk:a"}, {"target_nqn": "x", "target_nqn": "y"}]})", "data.volume_replicas[1].target_nqn"},
        {R"({"initiator_target_map": {"10000090fa0d0001": [], "10000090fa0d0001": ["50060E8000AB0001"]}})", "data.initiator_target_map.10000090fa0d0001"},
        {R"({"data": {"x": 1}, "data": {"y": 2}})", "data"},
        {R"({"export": "h:/a", "name": "v", "a b": 1, "a b": 2})", "data[\"a b\"]"},
    });
    // clang-format on
    for (const auto& row : duplicate_rows) {
        INFO(row.text);
        const auto error = brick::testing::error_of(
            [&] { brick::parse_properties_text(row.text, "--properties"); });
        REQUIRE(error);
        CHECK(error->category() == brick::ErrorCategory::invalid_properties);
        CHECK(error->field() == row.field);
        CHECK_THAT(error->message(), Catch::Contains("twice"));
        CHECK_THAT(error->what(), !Catch::Contains("Secret"));
    }
}

TEST_CASE("a syntax error never quotes the document", "[properties][malformed][secrets]") {
    for (const char* text :
         {R"({"auth_password": "Unfinished-Secret-7)", R"({"auth_password": Unquoted-Secret-7})",
          R"({"auth_password": "Secret-7\q"})",
          R"({"auth_password": "Secret-7", "target_lun": 7e777777})"}) {
        INFO(text);
        const auto error =
            brick::testing::error_of([&] { brick::parse_properties_text(text, "--properties"); });
        REQUIRE(error);
        CHECK(error->field() == "--properties");
        CHECK_THAT(error->message(), Catch::StartsWith("--properties: expected a JSON document"));
        CHECK_THAT(error->what(), !Catch::Contains("Secret") && !Catch::Contains("last read") &&
                                      !Catch::Contains("777"));
    }
}
