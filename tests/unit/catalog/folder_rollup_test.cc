#include "catalog/folder_rollup.h"

#include <gtest/gtest.h>

#include <map>

namespace s3cat::catalog {
namespace {

struct Input {
  std::string key;
  std::uint64_t size;
  std::string last_modified;
};

// Runs the builder over keys that must already be in byte order.
std::map<std::string, FolderRollup> build(const std::vector<Input>& inputs, FolderRollupBuilder& builder) {
  std::map<std::string, FolderRollup> folders;
  auto drain = [&] {
    for (const FolderRollup& rollup : builder.closed()) {
      EXPECT_TRUE(folders.emplace(rollup.folder.path, rollup).second) << "folder closed twice: " << rollup.folder.path;
    }
    builder.clear_closed();
  };
  for (const Input& input : inputs) {
    builder.add(input.key, input.size, input.last_modified, !input.key.empty() && input.key.back() == '/');
    drain();
  }
  builder.finish();
  drain();
  return folders;
}

TEST(FolderRollup, CountsFilesBelowEachFolder) {
  FolderRollupBuilder builder("b");
  auto folders = build({{"a/b/c.txt", 10, "2024-01-01T00:00:00Z"},
                        {"a/b/d.txt", 5, "2024-03-01T00:00:00Z"},
                        {"a/e.txt", 1, "2024-02-01T00:00:00Z"},
                        {"top.txt", 100, "2025-01-01T00:00:00Z"}},
                       builder);
  ASSERT_EQ(folders.size(), 2u);
  EXPECT_EQ(folders["a/"].folder.file_count, 3u);
  EXPECT_EQ(folders["a/"].folder.total_bytes, 16u);
  EXPECT_EQ(folders["a/"].folder.newest_modified, "2024-03-01T00:00:00Z");
  EXPECT_EQ(folders["a/"].parent, "");
  EXPECT_EQ(folders["a/b/"].folder.file_count, 2u);
  EXPECT_EQ(folders["a/b/"].folder.total_bytes, 15u);
  EXPECT_EQ(folders["a/b/"].parent, "a/");
  EXPECT_EQ(folders["a/b/"].folder.bucket, "b");
  EXPECT_EQ(builder.bucket_file_count(), 4u);
  EXPECT_EQ(builder.bucket_total_bytes(), 116u);
  EXPECT_EQ(builder.bucket_newest_modified(), "2025-01-01T00:00:00Z");
}

TEST(FolderRollup, CountsDirectFiles) {
  FolderRollupBuilder builder("b");
  auto folders = build({{"a/", 0, ""},
                        {"a/b/", 0, ""},
                        {"a/b/c.txt", 10, "2024-01-01T00:00:00Z"},
                        {"a/b/d.txt", 5, "2024-03-01T00:00:00Z"},
                        {"a/b0", 7, "2024-02-01T00:00:00Z"},
                        {"a/e.txt", 1, "2024-02-01T00:00:00Z"},
                        {"a0", 2, "2024-02-01T00:00:00Z"},
                        {"top.txt", 100, "2025-01-01T00:00:00Z"}},
                       builder);
  ASSERT_EQ(folders.size(), 2u);
  EXPECT_EQ(folders["a/"].direct_file_count, 2u) << "a/b0 and a/e.txt; markers are not files";
  EXPECT_EQ(folders["a/"].folder.file_count, 4u);
  EXPECT_EQ(folders["a/b/"].direct_file_count, 2u);
  EXPECT_EQ(builder.bucket_direct_file_count(), 2u) << "a0 and top.txt";
  EXPECT_EQ(builder.bucket_file_count(), 6u);
}

TEST(FolderRollup, MarkerMakesEmptyFolder) {
  FolderRollupBuilder builder("b");
  auto folders = build({{"empty/", 0, "2024-01-01T00:00:00Z"}, {"x/y/", 0, "2024-01-01T00:00:00Z"}}, builder);
  ASSERT_EQ(folders.size(), 3u);
  EXPECT_EQ(folders["empty/"].folder.file_count, 0u);
  EXPECT_EQ(folders["empty/"].folder.newest_modified, "");
  EXPECT_TRUE(folders.contains("x/"));
  EXPECT_EQ(folders["x/y/"].parent, "x/");
  EXPECT_EQ(builder.bucket_file_count(), 0u);
}

TEST(FolderRollup, MarkerIsNotCountedAsFile) {
  FolderRollupBuilder builder("b");
  auto folders = build({{"reports/", 0, "2024-01-01T00:00:00Z"}, {"reports/q1.csv", 10, "2024-01-02T00:00:00Z"}},
                       builder);
  ASSERT_EQ(folders.size(), 1u);
  EXPECT_EQ(folders["reports/"].folder.file_count, 1u);
  EXPECT_EQ(folders["reports/"].folder.total_bytes, 10u);
}

TEST(FolderRollup, HadoopPlaceholderStaysFile) {
  FolderRollupBuilder builder("b");
  auto folders = build({{"tbl/part=0_$folder$", 0, "2024-01-01T00:00:00Z"}}, builder);
  ASSERT_EQ(folders.size(), 1u);
  EXPECT_TRUE(folders.contains("tbl/"));
  EXPECT_EQ(folders["tbl/"].folder.file_count, 1u);
}

TEST(FolderRollup, LeadingAndDoubleSlashes) {
  FolderRollupBuilder builder("b");
  auto folders = build({{"/abs", 1, ""}, {"a//b", 2, ""}}, builder);
  ASSERT_EQ(folders.size(), 3u);
  EXPECT_EQ(folders["/"].folder.file_count, 1u);
  EXPECT_EQ(folders["a/"].folder.file_count, 1u);
  EXPECT_EQ(folders["a//"].folder.file_count, 1u);
  EXPECT_EQ(folders["a//"].parent, "a/");
}

TEST(FolderRollup, SiblingFoldersWithCommonNamePrefix) {
  // "a-b/" sorts between "a" and "a/" in byte order; folders must not mix.
  FolderRollupBuilder builder("b");
  auto folders = build({{"a-b/x", 1, ""}, {"a/x", 2, ""}, {"a/y/z", 4, ""}, {"ab/x", 8, ""}}, builder);
  ASSERT_EQ(folders.size(), 4u);
  EXPECT_EQ(folders["a-b/"].folder.total_bytes, 1u);
  EXPECT_EQ(folders["a/"].folder.total_bytes, 6u);
  EXPECT_EQ(folders["a/y/"].folder.total_bytes, 4u);
  EXPECT_EQ(folders["ab/"].folder.total_bytes, 8u);
}

TEST(FolderRollup, ParentFolderOfPaths) {
  EXPECT_EQ(parent_folder("a/"), "");
  EXPECT_EQ(parent_folder("a/b/"), "a/");
  EXPECT_EQ(parent_folder("/"), "");
  EXPECT_EQ(parent_folder("//"), "/");
  EXPECT_EQ(parent_folder("a/b/c/"), "a/b/");
}

}  // namespace
}  // namespace s3cat::catalog
