#include "brick/core/json_text.hpp"

#include <set>

#include "brick/core/error.hpp"

namespace brick {
namespace {

using nlohmann::json;

// One open object or array while parsing.
struct Frame {
    bool object = false;
    std::optional<JsonPathStep> step;  // how the parent reaches this value
    std::set<std::string> keys;        // objects: the keys seen so far
    std::string key;                   // objects: the key of the value being parsed
    std::size_t count = 0;             // arrays: the number of elements seen so far
};

class StrictReader {
  public:
    explicit StrictReader(const std::string& what) : what_(what) {}

    bool on_event(json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                open(event == json::parse_event_t::object_start);
                break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                frames_.pop_back();
                break;
            case json::parse_event_t::key:
                on_key(parsed.get<std::string>());
                break;
            case json::parse_event_t::value:
                next_element();
                break;
        }
        return true;
    }

    const std::optional<JsonPath>& duplicate() const { return duplicate_; }

  private:
    // The step from the innermost open value to the value starting now.
    std::optional<JsonPathStep> next_element() {
        if (frames_.empty()) {
            return std::nullopt;
        }
        auto& parent = frames_.back();
        if (parent.object) {
            return parent.key;
        }
        return parent.count++;
    }

    void open(bool object) {
        Frame frame;
        frame.object = object;
        frame.step = next_element();
        frames_.push_back(std::move(frame));
        if (frames_.size() > max_json_depth) {
            throw Error(ErrorCategory::invalid_properties,
                        what_ + ": expected a JSON document nested at most " +
                            std::to_string(max_json_depth) + " levels deep",
                        what_);
        }
    }

    void on_key(std::string key) {
        auto& frame = frames_.back();
        if (!frame.keys.insert(key).second && !duplicate_) {
            JsonPath path;
            for (const auto& f : frames_) {
                if (f.step) {
                    path.push_back(*f.step);
                }
            }
            path.emplace_back(key);
            duplicate_ = std::move(path);
        }
        frame.key = std::move(key);
    }

    const std::string& what_;
    std::vector<Frame> frames_;
    std::optional<JsonPath> duplicate_;
};

// nlohmann's message without the input it quotes ("; last read: '...'") and
// without its exception prefix.
std::string syntax_message(const json::parse_error& e) {
    std::string text = e.what();
    if (const auto quoted = text.find("; last read"); quoted != std::string::npos) {
        text.erase(quoted);
    }
    if (const auto end = text.find("] ");
        text.rfind("[json.exception", 0) == 0 && end != std::string::npos) {
        text.erase(0, end + 2);
    }
    return text;
}

bool plain_key(const std::string& key) {
    return !key.empty() && key.find_first_not_of(
                               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_-:") == std::string::npos;
}

}  // namespace

std::string dotted_path(const JsonPath& path, const std::string& prefix) {
    std::string out = prefix;
    for (const auto& step : path) {
        if (const auto* index = std::get_if<std::size_t>(&step)) {
            out += "[" + std::to_string(*index) + "]";
            continue;
        }
        const auto& key = std::get<std::string>(step);
        if (plain_key(key)) {
            out += (out.empty() ? "" : ".") + key;
        } else {
            // Keys come from the input: quote any that is not a plain name.
            out += "[" + json(key).dump(-1, ' ', true, json::error_handler_t::replace) + "]";
        }
    }
    return out;
}

std::string pointer_path(const JsonPath& path) {
    std::string out;
    for (const auto& step : path) {
        out += "/";
        if (const auto* index = std::get_if<std::size_t>(&step)) {
            out += std::to_string(*index);
            continue;
        }
        // RFC 6901 escapes.
        for (const char c : std::get<std::string>(step)) {
            out += c == '~' ? "~0" : (c == '/' ? "~1" : std::string(1, c));
        }
    }
    return out.empty() ? "/" : out;
}

JsonDocument parse_json_text_keeping_duplicates(std::string_view text, const std::string& what) {
    StrictReader reader(what);
    JsonDocument document;
    try {
        document.value =
            json::parse(text.begin(), text.end(),
                        [&reader](int /*depth*/, json::parse_event_t event, json& parsed) {
                            return reader.on_event(event, parsed);
                        });
    } catch (const json::parse_error& e) {
        throw Error(ErrorCategory::invalid_properties,
                    what + ": expected a JSON document (" + syntax_message(e) + ")", what);
    } catch (const json::out_of_range&) {
        // A number beyond a double ("1e400"); nlohmann's message quotes it.
        throw Error(ErrorCategory::invalid_properties,
                    what + ": expected a JSON document with numbers a double can hold", what);
    }
    document.duplicate = reader.duplicate();
    return document;
}

nlohmann::json parse_json_text(std::string_view text, const std::string& what) {
    auto document = parse_json_text_keeping_duplicates(text, what);
    if (document.duplicate) {
        const auto field = dotted_path(*document.duplicate);
        throw Error(ErrorCategory::invalid_properties,
                    field + ": expected each key once in an object (" + what + " gives it twice)",
                    field);
    }
    return std::move(document.value);
}

}  // namespace brick
