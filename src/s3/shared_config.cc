#include "s3/shared_config.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace s3cat::s3 {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string to_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::string variable(const Environment& environment, const char* name) {
  const auto it = environment.find(name);
  return it == environment.end() ? std::string() : it->second;
}

SharedFile read_shared_file(const Environment& environment, bool config_file) {
  SharedFile file;
  file.label = config_file ? "shared config file" : "shared credentials file";

  const std::string override_path = variable(environment, config_file ? "AWS_CONFIG_FILE" : "AWS_SHARED_CREDENTIALS_FILE");
  const std::string home = variable(environment, "HOME");
  if (!override_path.empty()) {
    file.path = override_path.starts_with("~/") && !home.empty() ? home + override_path.substr(1) : override_path;
  } else if (!home.empty()) {
    file.path = home + (config_file ? "/.aws/config" : "/.aws/credentials");
  } else {
    file.problem = "HOME not set";
    return file;
  }

  std::error_code status_error;
  if (!std::filesystem::exists(file.path, status_error)) {
    file.problem = file.path + ": not found";
    return file;
  }
  std::ifstream input(file.path);
  if (!input) {
    file.problem = fmt::format("{}: cannot be read: {}", file.path, std::strerror(errno));
    return file;
  }
  file.exists = true;
  file.sections = parse_ini(input);
  return file;
}

}  // namespace

std::map<std::string, ProfileSettings> parse_ini(std::istream& input) {
  std::map<std::string, ProfileSettings> sections;
  ProfileSettings* current = nullptr;
  std::string raw_line;
  while (std::getline(input, raw_line)) {
    const std::string_view line = trim(raw_line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[' && line.back() == ']') {
      current = &sections[std::string(trim(line.substr(1, line.size() - 2)))];
      continue;
    }

    const std::size_t equals = line.find('=');
    if (current == nullptr || equals == std::string_view::npos) continue;
    (*current)[to_lower(trim(line.substr(0, equals)))] = std::string(trim(line.substr(equals + 1)));
  }
  return sections;
}

SharedConfig SharedConfig::load(const Environment& environment) {
  SharedConfig config;
  config.credentials_ = read_shared_file(environment, false);
  config.config_ = read_shared_file(environment, true);
  return config;
}

std::string SharedConfig::selected_profile(const Environment& environment) {
  std::string profile = variable(environment, "AWS_PROFILE");
  if (profile.empty()) profile = variable(environment, "AWS_DEFAULT_PROFILE");
  return profile.empty() ? "default" : profile;
}

std::optional<Profile> SharedConfig::profile(const std::string& name) const {
  Profile profile;
  profile.name = name;
  bool found = false;

  // The config file first, so that the credentials file's values win.
  for (const std::string& section : {"profile " + name, name}) {
    if (section == name && name != "default") continue;  // "[name]" is not a profile in the config file
    if (const auto it = config_.sections.find(section); it != config_.sections.end()) {
      found = true;
      for (const auto& [key, value] : it->second) profile.settings[key] = value;
      if (it->second.contains("aws_access_key_id")) profile.keys_from = config_.label;
    }
  }
  if (const auto it = credentials_.sections.find(name); it != credentials_.sections.end()) {
    found = true;
    for (const auto& [key, value] : it->second) profile.settings[key] = value;
    if (it->second.contains("aws_access_key_id")) profile.keys_from = credentials_.label;
  }
  if (!found) return std::nullopt;
  return profile;
}

std::string SharedConfig::describe_missing(const std::string& name) const {
  std::vector<std::string> parts;
  for (const SharedFile* file : {&credentials_, &config_}) {
    if (!file->exists) {
      parts.push_back(fmt::format("{} {}", file->label, file->problem));
    } else {
      parts.push_back(fmt::format("{} {}: profile \"{}\" not found", file->label, file->path, name));
    }
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace s3cat::s3
