#pragma once
// Values shared by the connection properties of every protocol, and the
// validators for the names a storage service sends (IQN, NQN, WWN, UUID,
// portals). Every validator throws brick::Error(invalid_properties) naming the
// field and what was expected; none touches the host.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brick {

// Cinder's driver_volume_type values.
enum class Protocol { iscsi, iser, fibre_channel, nvmeof, rbd, nfs, local };

// Accepts Cinder's names ("iscsi", "fibre_channel", "nvmeof", ...) and
// os-brick's ("ISCSI", "FIBRE_CHANNEL", "NVME", "NVMEOF", ...), case-insensitive.
std::optional<Protocol> parse_protocol(std::string_view name);
std::string_view protocol_name(Protocol protocol);  // Cinder's spelling

// A network portal. host is an IPv4 address, an IPv6 address (without
// brackets) or a DNS name.
struct Portal {
    std::string host;
    std::uint16_t port = 0;
    bool is_ipv6() const { return host.find(':') != std::string::npos; }
    // "10.0.0.1:3260" or "[2001:db8::1]:3260": what iscsiadm takes with -p.
    std::string to_string() const;
    // "10.0.0.1:3260" or "2001:db8::1:3260": the udev by-path spelling.
    std::string by_path_string() const;
    bool operator==(const Portal&) const = default;
};

enum class AccessMode { read_write, read_only };
std::string_view access_mode_name(AccessMode mode);  // "rw" or "ro"

struct ChapCredentials {
    std::string method = "CHAP";  // auth_method as given (CHAP)
    std::string username;
    std::string password;  // registered as a secret when parsed
    // Mutual (bidirectional) CHAP: the target's credentials towards the host.
    std::string username_in;
    std::string password_in;
    bool mutual() const { return !username_in.empty(); }
    bool operator==(const ChapCredentials&) const = default;
};

// --- validators: each returns the normalised value or throws -------------

// "host:port", "[v6]:port" or a bare host with default_port (0: port required).
Portal parse_portal(const std::string& field, std::string_view text, std::uint16_t default_port);
std::uint16_t parse_port(const std::string& field, const nlohmann::json& value);
// A host without a port: IPv4, IPv6 (bare or in brackets, returned bare, an
// optional %zone kept) or a DNS name.
std::string parse_host(const std::string& field, std::string_view text);
// iqn.YYYY-MM.reversed.domain[:anything], eui.<16 hex>, naa.<16 or 32 hex>.
std::string parse_iscsi_name(const std::string& field, std::string_view text);
// nqn.YYYY-MM.reversed.domain:anything, at most 223 bytes.
std::string parse_nqn(const std::string& field, std::string_view text);
// A subsystem or host NQN as storage services really send them: a name that
// starts "nqn.<digit>" must be a well-formed NQN (parse_nqn); other names
// (Cinder's LVM target sends "nqn.nvme-subsystem-1-<uuid>") only need the safe
// characters letters, digits, '.', '-', '_', ':' and at most 223 bytes.
std::string parse_subsystem_nqn(const std::string& field, std::string_view text);
// 8-4-4-4-12 hex (or the same 32 hex digits without dashes, as os-brick
// accepts), returned lower-case in the 8-4-4-4-12 form.
std::string parse_uuid(const std::string& field, std::string_view text);
// 16 hex digits, optional 0x prefix or colons; returned lower-case plain hex.
std::string parse_wwn(const std::string& field, std::string_view text);
// 32 hex digits (with or without dashes), returned lower-case without dashes.
std::string parse_nguid(const std::string& field, std::string_view text);
// A SCSI LUN 0..2^64-1 as a JSON number or decimal string.
std::uint64_t parse_lun(const std::string& field, const nlohmann::json& value);
// An NVMe namespace ID 1..0xfffffffe as a JSON number or decimal string.
std::uint32_t parse_namespace_id(const std::string& field, const nlohmann::json& value);
AccessMode parse_access_mode(const std::string& field, const nlohmann::json& value);
// A JSON value that must be a string (non-empty unless allow_empty).
std::string require_string(const std::string& field, const nlohmann::json& value,
                           bool allow_empty = false);
bool parse_bool(const std::string& field, const nlohmann::json& value);

// The "data" dict of a connection_info document, and its declared protocol.
struct ConnectionInfo {
    std::optional<Protocol> declared;  // from driver_volume_type, when present
    nlohmann::json data;               // a copy; the caller's input is never modified
};
// Accepts {"driver_volume_type": ..., "data": {...}} or the bare data dict;
// when expected is given a disagreeing driver_volume_type is an error.
ConnectionInfo unwrap_connection_info(const nlohmann::json& document,
                                      std::optional<Protocol> expected);

// Connection properties as JSON text (a file, stdin), parsed strictly (see
// brick/core/json_text.hpp). A key given twice is an error naming it as the
// other errors do: "data.target_iqn" whether the document is the envelope or
// the bare data dict. what names the input ("--properties").
nlohmann::json parse_properties_text(std::string_view text, const std::string& what);

}  // namespace brick
