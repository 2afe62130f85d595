#include "model_vs_kernel.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace brick::lab {

namespace {

std::string argv_text(const nlohmann::json& argv) {
    std::string text;
    for (const auto& arg : argv) {
        text += (text.empty() ? "" : " ") + (arg.is_string() ? arg.get<std::string>() : arg.dump());
    }
    return text;
}

std::string shortened(std::string text, std::size_t size = 60) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (text.size() > size) {
        text = text.substr(0, size - 3) + "...";
    }
    return text;
}

std::string string_field(const nlohmann::json& record, const char* key) {
    const auto it = record.find(key);
    return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The comparable part of a record, or null for records that only observe
// (reads, listings, waits, scheduling) and differ between hosts by nature.
nlohmann::json action_key(const nlohmann::json& record, std::string& text) {
    const auto kind = string_field(record, "kind");
    if (kind == "run") {
        nlohmann::json key{{"kind", kind},
                           {"argv", record.value("argv", nlohmann::json::array())},
                           {"exit", record.value("exit", -1)}};
        text = argv_text(key["argv"]);
        if (record.value("timed_out", false)) {
            key["timed_out"] = true;
            text += " -> timed out";
        } else if (record.value("not_found", false)) {
            key["not_found"] = true;
            text += " -> not found";
        } else {
            text += " -> exit " + std::to_string(key["exit"].get<int>());
        }
        return key;
    }
    if (kind == "write") {
        const auto result = string_field(record, "result");
        text = "write " + string_field(record, "path") + " = \"" +
               shortened(string_field(record, "data")) + "\"" +
               (result.empty() || result == "OK" ? "" : " -> " + result);
        return {{"kind", kind},
                {"path", record.value("path", "")},
                {"data", record.value("data", "")},
                {"result", result}};
    }
    if (kind == "mkdir" || kind == "remove") {
        const auto result = string_field(record, "result");
        text = kind + " " + string_field(record, "path") +
               (result.empty() || result == "OK" ? "" : " -> " + result);
        return {{"kind", kind}, {"path", record.value("path", "")}, {"result", result}};
    }
    if (kind == "fault" || kind == "heal") {
        text = kind + " " + string_field(record, "name");
        return {{"kind", kind}, {"name", record.value("name", "")}};
    }
    return nullptr;
}

void print_actions(std::ostream& out, const char* side, const std::vector<TraceAction>& actions) {
    constexpr std::size_t shown = 4;
    for (std::size_t i = 0; i < actions.size() && i < shown; ++i) {
        out << "    " << side << actions[i].text << "  [record " << actions[i].seq << "]\n";
    }
    if (actions.size() > shown) {
        out << "    " << side << "... " << actions.size() - shown << " more\n";
    }
}

std::string step_outcome(const nlohmann::json& step) {
    return step.value("actual", std::string("?"));
}

}  // namespace

std::vector<TraceAction> trace_actions(const std::vector<nlohmann::json>& trace) {
    std::vector<TraceAction> actions;
    for (const auto& record : trace) {
        if (!record.is_object()) {
            continue;
        }
        TraceAction action;
        action.key = action_key(record, action.text);
        if (action.key.is_null()) {
            continue;
        }
        if (!actions.empty() && actions.back().key == action.key) {
            continue;  // a poll loop repeating itself
        }
        action.seq = record.value("seq", std::int64_t{0});
        actions.push_back(std::move(action));
    }
    return actions;
}

ActionComparison compare_actions(const std::vector<TraceAction>& kernel,
                                 const std::vector<TraceAction>& model, std::size_t limit) {
    ActionComparison result;
    result.kernel_actions = kernel.size();
    result.model_actions = model.size();
    const auto n = std::min(kernel.size(), limit);
    const auto m = std::min(model.size(), limit);
    // lcs[i][j]: the longest common subsequence of kernel[i..] and model[j..].
    std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
    const auto at = [m](std::size_t i, std::size_t j) { return i * (m + 1) + j; };
    for (std::size_t i = n; i-- > 0;) {
        for (std::size_t j = m; j-- > 0;) {
            lcs[at(i, j)] = kernel[i].key == model[j].key
                                ? lcs[at(i + 1, j + 1)] + 1
                                : std::max(lcs[at(i + 1, j)], lcs[at(i, j + 1)]);
        }
    }
    std::size_t i = 0;
    std::size_t j = 0;
    Disagreement open;
    const auto close = [&] {
        if (!open.kernel_only.empty() || !open.model_only.empty()) {
            result.disagreements.push_back(std::move(open));
        }
        open = Disagreement{};
        open.common_before = result.common;
    };
    while (i < n || j < m) {
        if (i < n && j < m && kernel[i].key == model[j].key) {
            close();
            ++result.common;
            open.common_before = result.common;
            ++i;
            ++j;
        } else if (j >= m || (i < n && lcs[at(i + 1, j)] >= lcs[at(i, j + 1)])) {
            open.kernel_only.push_back(kernel[i++]);
        } else {
            open.model_only.push_back(model[j++]);
        }
    }
    close();
    return result;
}

std::ptrdiff_t first_step_disagreement(const nlohmann::json& recorded_steps,
                                       const std::vector<StepResult>& replayed) {
    const auto recorded = recorded_steps.is_array() ? recorded_steps.size() : 0;
    const auto n = std::max(recorded, replayed.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto kernel = i < recorded ? step_outcome(recorded_steps[i]) : std::string("-");
        const auto model = i < replayed.size() ? replayed[i].actual : std::string("-");
        if (kernel != model) {
            return static_cast<std::ptrdiff_t>(i);
        }
    }
    return -1;
}

void print_model_vs_kernel(std::ostream& out, const std::string& recorded_backend,
                           const nlohmann::json& recorded_steps,
                           const std::vector<StepResult>& replayed,
                           const ActionComparison& comparison, std::size_t max_shown) {
    const auto recorded = recorded_steps.is_array() ? recorded_steps.size() : 0;
    const auto first = first_step_disagreement(recorded_steps, replayed);
    out << "steps, kernel (" << recorded_backend << ") | model (sim):\n";
    for (std::size_t i = 0; i < std::max(recorded, replayed.size()); ++i) {
        const auto description =
            i < recorded ? recorded_steps[i].value("step", std::string()) : replayed[i].description;
        const auto kernel = i < recorded ? step_outcome(recorded_steps[i]) : std::string("-");
        const auto model = i < replayed.size() ? replayed[i].actual : std::string("-");
        out << "  " << std::setw(3) << i + 1 << " " << std::left << std::setw(24) << description
            << std::right << " " << kernel << " | " << model
            << (static_cast<std::ptrdiff_t>(i) == first ? "   <- first disagreement" : "") << "\n";
    }
    if (first < 0) {
        out << "every step has the same outcome on the kernel and the model\n";
    }
    out << "actions (programs run, files written or removed, faults): " << comparison.kernel_actions
        << " on the kernel, " << comparison.model_actions << " on the model, " << comparison.common
        << " in common\n";
    if (comparison.disagreements.empty()) {
        out << "the model did what the kernel did\n";
        return;
    }
    out << "where the model and the kernel disagreed (" << comparison.disagreements.size()
        << (comparison.disagreements.size() == 1 ? " place" : " places") << ", first "
        << std::min(max_shown, comparison.disagreements.size()) << " shown):\n";
    for (std::size_t d = 0; d < comparison.disagreements.size() && d < max_shown; ++d) {
        const auto& disagreement = comparison.disagreements[d];
        out << "  after " << disagreement.common_before << " common actions:\n";
        print_actions(out, "kernel only: ", disagreement.kernel_only);
        print_actions(out, "model only:  ", disagreement.model_only);
    }
}

}  // namespace brick::lab
