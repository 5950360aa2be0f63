// `s3catalog files|show|annotate|jobs`: reading and annotating the catalog.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/json_output.h"

namespace s3cat::cli {
namespace {

// PATH is "/bucket", "/bucket/folder/" or "/bucket/key", with the key exactly
// as stored (a key that starts with '/' gives "/bucket//key").
std::expected<catalog::ItemRef, CommandError> parse_item_path(const std::string& path) {
  if (path.size() < 2 || path[0] != '/' || path[1] == '/') {
    return std::unexpected(CommandError{
        kExitUsage, "invalid path \"" + path + "\": expected /bucket, /bucket/folder/ or /bucket/key"});
  }
  const auto slash = path.find('/', 1);
  if (slash == std::string::npos) return catalog::ItemRef{path.substr(1), ""};
  return catalog::ItemRef{path.substr(1, slash - 1), path.substr(slash + 1)};
}

std::expected<catalog::Source, CommandError> find_source(catalog::CatalogStore& store, const std::string& name) {
  auto source = store.get_source(name);
  if (!source) return std::unexpected(from_store_error(source.error()));
  return *source;
}

nlohmann::json annotation_json(const std::optional<catalog::Annotation>& annotation) {
  if (!annotation) return nullptr;
  return {{"description", annotation->description},
          {"tags", annotation->tags},
          {"owners", annotation->owners},
          {"updated_by", annotation->updated_by},
          {"updated_at", annotation->updated_at}};
}

std::string who_am_i() {
  for (const char* variable : {"S3CATALOG_USER", "USER", "LOGNAME"}) {
    if (const char* value = std::getenv(variable); value != nullptr && *value != '\0') return value;
  }
  return "cli";
}

std::string current_time_rfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// Builds the `show` answer for an item; std::nullopt when the catalog has
// neither the item nor an annotation on it.
std::expected<std::optional<nlohmann::json>, CommandError> describe_item(catalog::CatalogStore& store,
                                                                         std::int64_t source_id,
                                                                         const std::string& path,
                                                                         const catalog::ItemRef& item) {
  auto annotation = store.get_annotation(source_id, item);
  if (!annotation) return std::unexpected(from_store_error(annotation.error()));

  nlohmann::json answer = {{"path", path}, {"file", nullptr}, {"annotation", annotation_json(*annotation)}};
  bool present = false;

  if (item.key.empty()) {
    answer["kind"] = "bucket";
    auto bucket = store.get_bucket(source_id, item.bucket);
    if (!bucket) return std::unexpected(from_store_error(bucket.error()));
    if (*bucket) {
      present = (*bucket)->present;
      answer["bucket"] = {{"name", (*bucket)->name},
                          {"creation_date", (*bucket)->creation_date},
                          {"region", (*bucket)->region},
                          {"stale", (*bucket)->stale},
                          {"last_status", (*bucket)->last_status},
                          {"last_synced", (*bucket)->last_synced}};
    }
  } else if (item.key.back() == '/') {
    answer["kind"] = "folder";
    auto folder = store.get_folder(source_id, item);
    if (!folder) return std::unexpected(from_store_error(folder.error()));
    if (*folder) {
      present = true;
      answer["folder"] = {{"file_count", (*folder)->file_count},
                          {"total_bytes", (*folder)->total_bytes},
                          {"newest_modified", (*folder)->newest_modified}};
    }
  } else {
    answer["kind"] = "file";
    auto file = store.get_file(source_id, item);
    if (!file) return std::unexpected(from_store_error(file.error()));
    if (*file) {
      present = (*file)->present;
      if (present) answer["file"] = file_json((*file)->object);
      answer["stale"] = (*file)->stale;
      answer["first_seen"] = (*file)->first_seen;
      answer["last_seen"] = (*file)->last_seen;
    }
  }
  answer["present"] = present;
  if (!present && !*annotation) return std::nullopt;
  return answer;
}

void register_files(CLI::App& app, CommandContext& context) {
  static std::string source_name;
  static std::string prefix;
  static bool json = false;
  auto* command = app.add_subcommand("files", "list the files currently in a source's catalog, sorted by path");
  command->add_option("SOURCE", source_name, "source name")->required();
  command->add_option("--prefix", prefix, "only paths that start with this, as /bucket/prefix");
  command->add_flag("--json", json, "print JSON Lines");
  command->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      if (!prefix.empty() && prefix[0] != '/') {
        return std::unexpected(
            CommandError{kExitUsage, "invalid --prefix \"" + prefix + "\": it must start with '/', as in /bucket/prefix"});
      }
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto source = find_source(**store, source_name);
      if (!source) return std::unexpected(source.error());

      auto visited = (*store)->for_each_file(source->id, prefix, [](const catalog::FileEntry& file) {
        if (json) {
          print_json_line(file_json(file.object));
        } else {
          std::cout << object_path(file.object.bucket, file.object.key) << "\t" << file.object.size << "\t"
                    << file.object.last_modified << (file.stale ? "\tstale" : "") << "\n";
        }
      });
      if (!visited) return std::unexpected(from_store_error(visited.error()));
      return kExitOk;
    });
  });
}

void register_show(CLI::App& app, CommandContext& context) {
  static std::string source_name;
  static std::string path;
  static bool json = false;
  auto* command = app.add_subcommand("show", "show a file, folder or bucket with its annotation");
  command->add_option("SOURCE", source_name, "source name")->required();
  command->add_option("PATH", path, "/bucket, /bucket/folder/ or /bucket/key")->required();
  command->add_flag("--json", json, "print one JSON object");
  command->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto item = parse_item_path(path);
      if (!item) return std::unexpected(item.error());
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto source = find_source(**store, source_name);
      if (!source) return std::unexpected(source.error());

      auto answer = describe_item(**store, source->id, path, *item);
      if (!answer) return std::unexpected(answer.error());
      if (!*answer) {
        std::string message = "path " + path + " not found in source " + source_name +
                              ": no such file, folder or bucket, and no annotation on it";
        // A folder named without its trailing '/' reads as a file path.
        if (!item->key.empty() && !item->key.ends_with('/')) {
          auto folder = (*store)->get_folder(source->id, {item->bucket, item->key + "/"});
          if (folder && *folder) message += "; did you mean the folder " + path + "/ ?";
        }
        return std::unexpected(CommandError{kExitFailed, message});
      }
      if (json) {
        print_json_line(**answer);
      } else {
        std::cout << (**answer).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      }
      return kExitOk;
    });
  });
}

void register_annotate(CLI::App& app, CommandContext& context) {
  static std::string source_name;
  static std::string path;
  static std::string description;
  static std::vector<std::string> tags;
  static std::vector<std::string> owners;
  auto* command = app.add_subcommand(
      "annotate", "set the description, tags or owners of a file, folder or bucket (present or not)");
  command->add_option("SOURCE", source_name, "source name")->required();
  command->add_option("PATH", path, "/bucket, /bucket/folder/ or /bucket/key")->required();
  command->add_option("--description", description, "description in Markdown (replaces the current one)");
  command->add_option("--tag", tags, "tag; repeat for several (replaces the current tags)");
  command->add_option("--owner", owners, "owner; repeat for several (replaces the current owners)");
  static bool clear_tags = false;
  static bool clear_owners = false;
  command->add_flag("--clear-tags", clear_tags, "remove every tag");
  command->add_flag("--clear-owners", clear_owners, "remove every owner");
  command->callback([&context, command] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto item = parse_item_path(path);
      if (!item) return std::unexpected(item.error());
      if (command->count("--description") + command->count("--tag") + command->count("--owner") == 0 &&
          !clear_tags && !clear_owners) {
        return std::unexpected(CommandError{
            kExitUsage, "nothing to annotate: give --description, --tag, --owner, --clear-tags or --clear-owners"});
      }
      for (const auto* values : {&tags, &owners}) {
        if (std::any_of(values->begin(), values->end(), [](const std::string& value) { return value.empty(); })) {
          return std::unexpected(CommandError{
              kExitUsage, "empty --tag or --owner value: give a name, or use --clear-tags / --clear-owners"});
        }
      }
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto source = find_source(**store, source_name);
      if (!source) return std::unexpected(source.error());

      auto current = (*store)->get_annotation(source->id, *item);
      if (!current) return std::unexpected(from_store_error(current.error()));
      catalog::Annotation annotation = current->value_or(catalog::Annotation{});
      if (command->count("--description")) annotation.description = description;
      if (clear_tags) annotation.tags.clear();
      if (clear_owners) annotation.owners.clear();
      if (command->count("--tag")) annotation.tags = tags;
      if (command->count("--owner")) annotation.owners = owners;
      annotation.updated_by = who_am_i();
      annotation.updated_at = current_time_rfc3339();

      if (auto saved = (*store)->put_annotation(source->id, *item, annotation); !saved) {
        return std::unexpected(from_store_error(saved.error()));
      }
      std::cerr << "annotated " << path << "\n";
      return kExitOk;
    });
  });
}

void register_jobs(CLI::App& app, CommandContext& context) {
  static std::string source_name;
  static bool json = false;
  auto* command = app.add_subcommand("jobs", "list a source's extraction jobs, newest first");
  command->add_option("SOURCE", source_name, "source name")->required();
  command->add_flag("--json", json, "print JSON Lines");
  command->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto source = find_source(**store, source_name);
      if (!source) return std::unexpected(source.error());
      auto jobs = (*store)->list_jobs(source->id);
      if (!jobs) return std::unexpected(from_store_error(jobs.error()));
      for (const auto& job : *jobs) {
        if (json) {
          print_json_line(job_json(job));
        } else {
          std::cout << job.id << "\t" << job.started_at << "\t" << catalog::to_string(job.status) << "\t"
                    << job.files_synced << " files\t" << job.summary << "\n";
        }
      }
      return kExitOk;
    });
  });
}

}  // namespace

void print_json_line(const nlohmann::json& value) {
  std::cout << value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

int report(const CommandError& error) {
  std::cerr << "error: " << error.message << "\n";
  return error.exit_status;
}

void register_catalog_commands(CLI::App& app, CommandContext& context) {
  register_files(app, context);
  register_show(app, context);
  register_annotate(app, context);
  register_jobs(app, context);
}

}  // namespace s3cat::cli
