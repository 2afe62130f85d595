#include "journal.hpp"

#include <array>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "brick/core/error.hpp"
#include "runner/json_schema.hpp"

namespace brick::lab::certify {
namespace fs = std::filesystem;

std::string utc_now() {
    const auto now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::array<char, 32> text{};
    const auto length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return {text.data(), length};
}

Journal::Journal(fs::path file) : file_(std::move(file)) {
    if (!fs::exists(file_)) {
        return;
    }
    const auto document = read_json_file(file_);
    if (!document.is_object() || !document.contains("volumes") ||
        !document["volumes"].is_object()) {
        throw Error(ErrorCategory::invalid_properties,
                    file_.string() + ": not a certification journal ({\"volumes\": {...}})",
                    file_.string());
    }
    for (const auto& [id, entry] : document["volumes"].items()) {
        volumes_[id] = Entry{entry.value("exported", false), entry.value("created_at", "")};
    }
}

void Journal::save() const {
    nlohmann::json document{{"volumes", nlohmann::json::object()}};
    for (const auto& [id, entry] : volumes_) {
        document["volumes"][id] = {{"exported", entry.exported}, {"created_at", entry.created_at}};
    }
    fs::create_directories(file_.parent_path());
    const auto temporary = file_.string() + ".new";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << document.dump(2) << "\n";
        out.flush();
        if (!out) {
            throw Error(ErrorCategory::host_error, "cannot write the journal " + temporary);
        }
    }
    fs::rename(temporary, file_);
}

void Journal::created(const std::string& id) {
    volumes_[id] = Entry{false, utc_now()};
    save();
}

void Journal::exported(const std::string& id, bool exported) {
    volumes_[id].exported = exported;
    save();
}

void Journal::deleted(const std::string& id) {
    volumes_.erase(id);
    save();
}

}  // namespace brick::lab::certify
