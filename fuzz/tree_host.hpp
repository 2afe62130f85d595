#pragma once
// A host made of an in-memory file tree and canned program outputs, for the
// harnesses that feed sysfs attributes and tool outputs to the library's
// readers. Time is virtual; tasks run inline; nothing touches the real host.
//
// describe() reads a tree from text, one entry a line (how the sysfs_tree
// corpus is written):
//   f PATH CONTENT   a file (CONTENT may use \n, \t, \\ and \xHH)
//   d PATH           a directory
//   l PATH TARGET    a symbolic link (TARGET absolute or relative)
//   b PATH           a block device node
//   r PROGRAM OUTPUT what PROGRAM prints (exit 0)

#include <map>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::fuzz {

class TreeHost final : public Host {
  public:
    void add_file(const std::string& path, const std::string& content);
    void add_dir(const std::string& path);
    void add_link(const std::string& path, const std::string& target);
    void add_block(const std::string& path);
    void set_program(const std::string& name, const std::string& out);
    // Adds the entries of a tree description (see above); lines it cannot read are skipped.
    void describe(std::string_view text);
    // The content of a file, or "" when there is none.
    std::string file(const std::string& path);

    IoStatus read_file(const std::string& path, std::string& content) override;
    IoStatus write_file(const std::string& path, std::string_view data, Duration deadline,
                        bool create_private = false) override;
    IoStatus list_dir(const std::string& path, std::vector<std::string>& names) override;
    IoStatus read_link(const std::string& path, std::string& target) override;
    IoStatus stat(const std::string& path, FileInfo& info, bool no_follow = false) override;
    IoStatus open_check(const std::string& path) override;
    IoStatus make_dirs(const std::string& path) override;
    IoStatus remove(const std::string& path) override;
    CommandResult run(const Command& command) override;
    Clock::time_point now() override { return Clock::time_point(elapsed_); }
    void sleep_for(Duration duration) override { elapsed_ += duration; }
    bool wait_until(const std::function<bool()>& ready, Clock::time_point deadline,
                    const WaitHints& hints) override;
    std::unique_ptr<Task> start_task(std::string name, std::function<void()> body) override;
    std::unique_ptr<LockGuard> lock(const std::string& name) override;
    std::unique_ptr<LockGuard> lock_until(const std::string& name,
                                          Clock::time_point deadline) override;
    std::unique_ptr<LockGuard> lock_shared_until(const std::string& name,
                                                 Clock::time_point deadline) override;

  private:
    struct Node {
        FileType type = FileType::regular;
        std::string content;  // file content or link target
    };
    // The canonical path of path (links followed, the last one only when
    // follow_last), or "" when a component is missing or links loop.
    std::string resolve(const std::string& path, bool follow_last);
    void add(const std::string& path, Node node);

    std::map<std::string, Node> nodes_{{"/", Node{FileType::directory, {}}}};
    std::map<std::string, std::string> programs_;
    Duration elapsed_{0};
};

}  // namespace brick::fuzz
