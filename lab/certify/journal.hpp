#pragma once
// The journal of volumes a certification run created on the array, kept in
// the work folder (journal.json) and rewritten (atomically) after every
// create, export, unexport and delete. A volume leaves the journal only once
// the provisioner deleted it, so a run that was killed leaves a journal the
// next run cleans up first.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace brick::lab::certify {

class Journal {
  public:
    // Reads an existing journal (a malformed one is an invalid_properties error).
    explicit Journal(std::filesystem::path file);

    struct Entry {
        bool exported = false;
        std::string created_at;  // UTC, ISO 8601
    };
    const std::map<std::string, Entry>& volumes() const { return volumes_; }
    void created(const std::string& id);
    void exported(const std::string& id, bool exported);
    void deleted(const std::string& id);
    const std::filesystem::path& file() const { return file_; }

  private:
    void save() const;
    std::filesystem::path file_;
    std::map<std::string, Entry> volumes_;
};

// The current UTC time, ISO 8601 ("2026-01-31T12:00:00Z").
std::string utc_now();

}  // namespace brick::lab::certify
