// The AWS shared credentials and config files: where they are, their INI
// dialect, and the settings of one profile merged from both. Plain values and
// functions that read files: thread-compatible.
#pragma once

#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "s3/credentials.h"

namespace s3cat::s3 {

// Setting names (lower-cased) to values of one INI section.
using ProfileSettings = std::map<std::string, std::string>;

// Parses "[section]" headers, "name = value" settings and '#' or ';'
// comment lines. Indented lines of nested settings ("s3 =" blocks) are read
// as plain settings, which no caller looks up.
std::map<std::string, ProfileSettings> parse_ini(std::istream& input);

// One shared file, as found on disk.
struct SharedFile {
  std::string label;  // "shared credentials file" or "shared config file"
  std::string path;   // empty when HOME is unset and no variable names the file
  bool exists = false;
  std::string problem;  // why it was not read: "not found", "cannot be read: ..."
  std::map<std::string, ProfileSettings> sections;
};

// A profile's settings from both files. The credentials file names a profile
// "[name]" and wins over the config file, which names it "[profile name]",
// except "[default]".
struct Profile {
  std::string name;
  ProfileSettings settings;
  // The file that gave aws_access_key_id ("shared credentials file" or
  // "shared config file"), or empty when the profile has no key.
  std::string keys_from;
};

class SharedConfig {
 public:
  // Reads AWS_SHARED_CREDENTIALS_FILE (else ~/.aws/credentials) and
  // AWS_CONFIG_FILE (else ~/.aws/config). Disk I/O; missing files are not an error.
  static SharedConfig load(const Environment& environment);

  // The profile AWS_PROFILE names, else AWS_DEFAULT_PROFILE, else "default".
  static std::string selected_profile(const Environment& environment);

  // Returns the merged profile, or nullopt when neither file has it.
  std::optional<Profile> profile(const std::string& name) const;

  // Explains a missing profile: which files were looked at and what was wrong.
  std::string describe_missing(const std::string& name) const;

  const SharedFile& credentials_file() const { return credentials_; }
  const SharedFile& config_file() const { return config_; }

 private:
  SharedFile credentials_;
  SharedFile config_;
};

}  // namespace s3cat::s3
