#include "json_schema.hpp"

#include <fstream>
#include <iterator>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "brick/core/error.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

// Valijson's context is a list of path components ("<root>", "[steps]", "[3]").
std::string json_path(const std::vector<std::string>& context) {
    std::string path;
    for (const auto& part : context) {
        if (part == "<root>") {
            continue;
        }
        path += part;
    }
    return path.empty() ? "(document)" : path;
}

}  // namespace

nlohmann::json read_json_file(const fs::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw Error(ErrorCategory::invalid_properties, file.string() + ": cannot be read",
                    file.string());
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(ErrorCategory::invalid_properties,
                    file.string() + ": not valid JSON (" + e.what() + ")", file.string());
    }
}

void validate_json(const fs::path& file, const nlohmann::json& document,
                   const nlohmann::json& schema_json) {
    valijson::Schema schema;
    valijson::SchemaParser parser;
    const valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
    parser.populateSchema(schema_adapter, schema);
    valijson::Validator validator;
    valijson::ValidationResults results;
    const valijson::adapters::NlohmannJsonAdapter target(document);
    if (validator.validate(schema, target, &results)) {
        return;
    }
    // The deepest error is the most specific one.
    valijson::ValidationResults::Error best;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        if (error.context.size() > best.context.size()) {
            best = error;
        }
    }
    const auto where = json_path(best.context);
    throw Error(ErrorCategory::invalid_properties,
                file.string() + ": " + where + ": " + best.description, where);
}

}  // namespace brick::lab
