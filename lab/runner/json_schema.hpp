#pragma once
// JSON files checked against a JSON Schema (valijson over nlohmann), with
// errors that name the file, the place in the document and what was expected.

#include <filesystem>
#include <nlohmann/json.hpp>

namespace brick::lab {

// Reads and parses a JSON file; invalid_properties naming the file when it
// cannot be read or is not JSON.
nlohmann::json read_json_file(const std::filesystem::path& file);

// Checks document (read from file) against schema; throws invalid_properties
// "FILE: /json/path: what was expected" with the field set to the JSON path.
void validate_json(const std::filesystem::path& file, const nlohmann::json& document,
                   const nlohmann::json& schema);

}  // namespace brick::lab
