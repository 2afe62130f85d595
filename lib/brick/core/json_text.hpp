#pragma once
// JSON text from outside the process (connection properties, device info,
// scenario and fabric files), parsed strictly. nlohmann::json alone keeps the
// last of two equal keys silently, so a document can mean one thing to a
// validating proxy (or a reviewer) and another here; and its error messages
// quote the input ("last read: ...") which may hold a CHAP secret. Here:
//   - a key given twice in one object is an error naming the key's path;
//   - nesting deeper than max_json_depth is an error (every consumer of these
//     documents recurses over them);
//   - a syntax error is reported by line and column, never by quoting input.
// All errors are brick::Error(invalid_properties).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace brick {

// Far above what any document of the project needs (properties nest 6 deep).
inline constexpr std::size_t max_json_depth = 64;

// One step of a path into a document: an object key or an array index.
using JsonPathStep = std::variant<std::string, std::size_t>;
using JsonPath = std::vector<JsonPathStep>;

// "data.target_portals[1]" (the style of connection-property fields); prefix
// is put before the first key ("data" gives "data.x").
std::string dotted_path(const JsonPath& path, const std::string& prefix = {});
// "/data/target_portals/1" (a JSON pointer, as fabric and scenario errors use).
std::string pointer_path(const JsonPath& path);

struct JsonDocument {
    nlohmann::json value;
    // The first key given twice in one object, if any; parse_json_text throws
    // instead unless allow_duplicates was asked for.
    std::optional<JsonPath> duplicate;
};

// Parses text. what names the input in messages and is the error's field for
// syntax and depth errors ("--properties", a file name). A duplicate key gives
// an error whose field is dotted_path of the key.
nlohmann::json parse_json_text(std::string_view text, const std::string& what);

// As parse_json_text, but a duplicate key is returned in JsonDocument::duplicate
// for the caller to name (the properties reader names it after the document's shape).
JsonDocument parse_json_text_keeping_duplicates(std::string_view text, const std::string& what);

}  // namespace brick
