#include "brick/host/trace.hpp"

#include <cerrno>

#include "brick/core/secrets.hpp"
#include "brick/host/task_name.hpp"

namespace brick {

nlohmann::json mask_json(const nlohmann::json& value) {
    if (value.is_string()) {
        return mask_secrets(value.get_ref<const std::string&>());
    }
    if (value.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : value) {
            out.push_back(mask_json(item));
        }
        return out;
    }
    if (value.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [key, item] : value.items()) {
            if (is_secret_key(key) && !item.is_null() && !item.is_boolean()) {
                out[key] = std::string(masked_text);
            } else {
                out[key] = mask_json(item);
            }
        }
        return out;
    }
    return value;
}

void TraceWriter::write(const nlohmann::json& record) {
    const std::lock_guard lock(mutex_);
    nlohmann::json line = nlohmann::json::object();
    line["v"] = trace_format_version;
    line["seq"] = ++seq_;
    if (!record.contains("task")) {
        line["task"] = current_task_name();
    }
    const nlohmann::json masked = mask_json(record);
    line.update(masked);
    out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out_.flush();
}

std::uint64_t TraceWriter::records_written() const {
    const std::lock_guard lock(mutex_);
    return seq_;
}

std::string_view file_type_name(FileType type) {
    switch (type) {
        case FileType::missing:
            return "missing";
        case FileType::regular:
            return "file";
        case FileType::directory:
            return "dir";
        case FileType::symlink:
            return "link";
        case FileType::block_device:
            return "block";
        case FileType::char_device:
            return "char";
        case FileType::other:
            return "other";
    }
    return "other";
}

std::string errno_name(int error) {
    switch (error) {
        case 0:
            return "OK";
        case ENOENT:
            return "ENOENT";
        case EACCES:
            return "EACCES";
        case EPERM:
            return "EPERM";
        case EIO:
            return "EIO";
        case EBUSY:
            return "EBUSY";
        case EEXIST:
            return "EEXIST";
        case EINVAL:
            return "EINVAL";
        case ENOTDIR:
            return "ENOTDIR";
        case EISDIR:
            return "EISDIR";
        case ETIMEDOUT:
            return "ETIMEDOUT";
        case ENODEV:
            return "ENODEV";
        case ENXIO:
            return "ENXIO";
        case EAGAIN:
            return "EAGAIN";
        case EROFS:
            return "EROFS";
        case ENOSPC:
            return "ENOSPC";
        case EALREADY:
            return "EALREADY";
        case ENOTCONN:
            return "ENOTCONN";
        case ECONNREFUSED:
            return "ECONNREFUSED";
        default:
            return "E" + std::to_string(error);
    }
}

}  // namespace brick
