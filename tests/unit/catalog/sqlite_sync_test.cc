#include <gtest/gtest.h>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::object;
using testing::StoreTest;

using SqliteStoreSync = StoreTest;

std::optional<FileEntry> file_of(CatalogStore& store, std::int64_t source_id, const std::string& bucket,
                                 const std::string& key) {
  auto file = store.get_file(source_id, {bucket, key});
  EXPECT_TRUE(file.has_value()) << (file ? "" : file.error().message);
  return file.value_or(std::nullopt);
}

TEST_F(SqliteStoreSync, CountsAddedAndUpdated) {
  const std::int64_t source_id = add_source();
  const std::int64_t first = start_job(source_id);
  WriteCounts counts = write(source_id, first, "logs", {object("a.txt", 1), object("b.txt", 2), object("c.txt", 3)});
  EXPECT_EQ(counts.added, 3u);
  EXPECT_EQ(counts.updated, 0u);
  complete(source_id, first, "logs", "synced");
  finish(first);

  const std::int64_t second = start_job(source_id);
  counts = write(source_id, second, "logs",
                 {object("a.txt", 1),                          // unchanged
                  object("b.txt", 20),                         // size changed
                  object("c.txt", 3, "2024-06-01T00:00:00Z"),  // time changed
                  object("d.txt", 4)});                        // new
  EXPECT_EQ(counts.added, 1u);
  EXPECT_EQ(counts.updated, 2u);

  counts = write(source_id, second, "logs", {object("e.txt", 5, "2024-05-01T12:00:00Z", "other-etag")});
  EXPECT_EQ(counts.added, 1u);
  EXPECT_EQ(counts.updated, 0u);
}

TEST_F(SqliteStoreSync, EtagChangeIsUpdate) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("a.txt", 1, "2024-05-01T12:00:00Z", "one")});
  const std::int64_t job = start_job(source_id);
  const WriteCounts counts = write(source_id, job, "logs", {object("a.txt", 1, "2024-05-01T12:00:00Z", "two")});
  EXPECT_EQ(counts.added, 0u);
  EXPECT_EQ(counts.updated, 1u);
}

TEST_F(SqliteStoreSync, ObjectWrittenTwiceCountedOnce) {
  const std::int64_t source_id = add_source();
  const std::int64_t job = start_job(source_id);
  EXPECT_EQ(write(source_id, job, "logs", {object("a.txt", 1)}).added, 1u);
  const WriteCounts again = write(source_id, job, "logs", {object("a.txt", 1), object("a.txt", 1)});
  EXPECT_EQ(again.added, 0u);
  EXPECT_EQ(again.updated, 0u);
  EXPECT_EQ(again.first_seen_by_job, 0u);
  complete(source_id, job, "logs", "synced");

  auto count = store_->count_files(source_id);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 1u);
}

TEST_F(SqliteStoreSync, FirstSeenByJobCountsKnownFilesOnce) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("old.txt", 1)});
  const std::int64_t job = start_job(source_id);

  const WriteCounts first = write(source_id, job, "logs", {object("old.txt", 1), object("new.txt", 2), object("dir/", 0)});
  EXPECT_EQ(first.first_seen_by_job, 2u);
  const WriteCounts repeated = write(source_id, job, "logs", {object("old.txt", 1), object("new.txt", 2)});
  EXPECT_EQ(repeated.first_seen_by_job, 0u);
}

TEST_F(SqliteStoreSync, SyncedRemovesUnseenFiles) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("keep.txt", 1), object("gone.txt", 2), object("gone/", 0)});

  const std::int64_t job = start_job(source_id);
  write(source_id, job, "logs", {object("keep.txt", 1)});
  EXPECT_EQ(complete(source_id, job, "logs", "synced"), 1u) << "the marker is not a file";

  EXPECT_EQ(file_paths(source_id), std::vector<std::string>{"/logs/keep.txt"});
  auto gone = file_of(*store_, source_id, "logs", "gone.txt");
  ASSERT_TRUE(gone.has_value());
  EXPECT_FALSE(gone->present);
  auto folder = store_->get_folder(source_id, {"logs", "gone/"});
  ASSERT_TRUE(folder.has_value());
  EXPECT_FALSE(folder->has_value());
}

TEST_F(SqliteStoreSync, SkippedRemovesNothingAndMarksStale) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("a.txt", 1), object("dir/b.txt", 2)});
  const std::string first_seen_time = clock_text();

  advance_clock(3600);
  const std::int64_t job = start_job(source_id);
  ASSERT_TRUE(store_->record_bucket(source_id, job, BucketEntry{.name = "logs"}).has_value());
  BucketResult skipped = testing::bucket_result("logs", "skipped");
  skipped.reason = "access_denied";
  auto removed = store_->complete_bucket(source_id, job, skipped);
  ASSERT_TRUE(removed.has_value()) << removed.error().message;
  EXPECT_EQ(*removed, 0u);

  EXPECT_EQ(file_paths(source_id), (std::vector<std::string>{"/logs/a.txt", "/logs/dir/b.txt"}));
  auto file = file_of(*store_, source_id, "logs", "a.txt");
  ASSERT_TRUE(file.has_value());
  EXPECT_TRUE(file->present);
  EXPECT_TRUE(file->stale);
  EXPECT_EQ(file->last_seen, first_seen_time) << "last_seen keeps the time the file was last listed";

  auto bucket = store_->get_bucket(source_id, "logs");
  ASSERT_TRUE(bucket.has_value()) << bucket.error().message;
  ASSERT_TRUE(bucket->has_value());
  EXPECT_TRUE((*bucket)->stale);
  EXPECT_TRUE((*bucket)->present);
  EXPECT_EQ((*bucket)->last_status, "skipped");
  EXPECT_EQ((*bucket)->last_reason, "access_denied");
  EXPECT_EQ((*bucket)->last_synced, first_seen_time) << "last_synced is the latest sync, not the skip";

  auto folder = store_->get_folder(source_id, {"logs", "dir/"});
  ASSERT_TRUE(folder.has_value()) << folder.error().message;
  ASSERT_TRUE(folder->has_value());
  EXPECT_EQ((*folder)->file_count, 1u);
}

TEST_F(SqliteStoreSync, BucketSkippedBeforeAnySyncIsNotStale) {
  const std::int64_t source_id = add_source();
  const std::int64_t job = start_job(source_id);
  ASSERT_TRUE(store_->record_bucket(source_id, job, BucketEntry{.name = "finance"}).has_value());
  BucketResult skipped = testing::bucket_result("finance", "skipped");
  skipped.reason = "access_denied";
  ASSERT_TRUE(store_->complete_bucket(source_id, job, skipped).has_value());

  auto bucket = store_->get_bucket(source_id, "finance");
  ASSERT_TRUE(bucket.has_value()) << bucket.error().message;
  ASSERT_TRUE(bucket->has_value());
  EXPECT_FALSE((*bucket)->stale) << "nothing of it was ever catalogued, so nothing is out of date";
  EXPECT_EQ((*bucket)->last_status, "skipped");
  EXPECT_EQ((*bucket)->last_synced, "");
}

TEST_F(SqliteStoreSync, FailedKeepsOldAndNewFiles) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("old.txt", 1)});

  const std::int64_t job = start_job(source_id);
  write(source_id, job, "logs", {object("new.txt", 2)});
  EXPECT_EQ(complete(source_id, job, "logs", "failed"), 0u);

  EXPECT_EQ(file_paths(source_id), (std::vector<std::string>{"/logs/new.txt", "/logs/old.txt"}));
  auto old_file = file_of(*store_, source_id, "logs", "old.txt");
  ASSERT_TRUE(old_file.has_value());
  EXPECT_TRUE(old_file->stale);
  auto bucket = store_->get_bucket(source_id, "logs");
  ASSERT_TRUE(bucket.has_value()) << bucket.error().message;
  ASSERT_TRUE(bucket->has_value());
  EXPECT_EQ((*bucket)->last_status, "failed");
  EXPECT_EQ((*bucket)->file_count, 2u) << "roll-ups include what the failed job wrote";
}

TEST_F(SqliteStoreSync, SyncClearsStaleMarks) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("a.txt", 1)});
  const std::int64_t failed = start_job(source_id);
  complete(source_id, failed, "logs", "failed");
  finish(failed, JobStatus::kSucceededWithWarnings);

  sync_bucket(source_id, "logs", {object("a.txt", 1)});
  auto file = file_of(*store_, source_id, "logs", "a.txt");
  ASSERT_TRUE(file.has_value());
  EXPECT_FALSE(file->stale);
  auto bucket = store_->get_bucket(source_id, "logs");
  ASSERT_TRUE(bucket.has_value()) << bucket.error().message;
  ASSERT_TRUE(bucket->has_value());
  EXPECT_FALSE((*bucket)->stale);
  EXPECT_EQ((*bucket)->last_status, "synced");
}

TEST_F(SqliteStoreSync, ReturningFileKeepsFirstSeenAndAnnotation) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("a.txt", 1)});
  const std::string first_seen = clock_text();
  Annotation note;
  note.description = "keep me";
  note.tags = {"curated"};
  ASSERT_TRUE(store_->put_annotation(source_id, {"logs", "a.txt"}, note).has_value());

  advance_clock(60);
  sync_bucket(source_id, "logs", {});
  auto gone = file_of(*store_, source_id, "logs", "a.txt");
  ASSERT_TRUE(gone.has_value());
  EXPECT_FALSE(gone->present);
  auto kept = store_->get_annotation(source_id, {"logs", "a.txt"});
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  ASSERT_TRUE(kept->has_value());
  EXPECT_EQ((*kept)->description, "keep me");

  advance_clock(60);
  const std::int64_t job = start_job(source_id);
  const WriteCounts counts = write(source_id, job, "logs", {object("a.txt", 5)});
  EXPECT_EQ(counts.added, 1u) << "a returning file counts as added";
  EXPECT_EQ(counts.updated, 0u);
  complete(source_id, job, "logs", "synced");

  auto back = file_of(*store_, source_id, "logs", "a.txt");
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->present);
  EXPECT_EQ(back->object.size, 5u);
  EXPECT_EQ(back->first_seen, first_seen);
  EXPECT_EQ(back->last_seen, clock_text());
  auto annotation = store_->get_annotation(source_id, {"logs", "a.txt"});
  ASSERT_TRUE(annotation.has_value()) << annotation.error().message;
  ASSERT_TRUE(annotation->has_value());
  EXPECT_EQ((*annotation)->tags, std::vector<std::string>{"curated"});
}

TEST_F(SqliteStoreSync, MarkersMakeFoldersNotFiles) {
  const std::int64_t source_id = add_source();
  const std::int64_t job = start_job(source_id);
  const WriteCounts counts = write(source_id, job, "gamma",
                                   {object("reports/", 0), object("reports/q1.csv", 10), object("empty/", 0),
                                    object("zero.txt", 0), object("tbl/part=0_$folder$", 0)});
  EXPECT_EQ(counts.added, 3u) << "markers are not files";
  complete(source_id, job, "gamma", "synced");

  EXPECT_EQ(file_paths(source_id),
            (std::vector<std::string>{"/gamma/reports/q1.csv", "/gamma/tbl/part=0_$folder$", "/gamma/zero.txt"}));
  auto count = store_->count_files(source_id);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 3u);

  auto marker = store_->get_file(source_id, {"gamma", "reports/"});
  ASSERT_TRUE(marker.has_value());
  EXPECT_FALSE(marker->has_value());

  auto folders = store_->list_folders(source_id, "gamma", "");
  ASSERT_TRUE(folders.has_value()) << folders.error().message;
  std::vector<std::string> paths;
  for (const FolderEntry& folder : *folders) paths.push_back(folder.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"empty/", "reports/", "tbl/"}));
  EXPECT_EQ((*folders)[0].file_count, 0u);
  EXPECT_EQ((*folders)[1].file_count, 1u);

  auto no_part_folder = store_->get_folder(source_id, {"gamma", "tbl/part=0/"});
  ASSERT_TRUE(no_part_folder.has_value());
  EXPECT_FALSE(no_part_folder->has_value());

  auto bucket = store_->get_bucket(source_id, "gamma");
  ASSERT_TRUE(bucket.has_value()) << bucket.error().message;
  ASSERT_TRUE(bucket->has_value());
  EXPECT_EQ((*bucket)->file_count, 3u);
  EXPECT_EQ((*bucket)->total_bytes, 10u);
}

TEST_F(SqliteStoreSync, RollupsCountFilesBelow) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "data",
              {object("a/b/c.bin", 100, "2024-01-01T00:00:00Z"), object("a/b/d.bin", 50, "2024-03-01T00:00:00Z"),
               object("a/e.bin", 7, "2024-02-01T00:00:00Z"), object("f.bin", 1, "2025-01-01T00:00:00Z")});

  auto a = store_->get_folder(source_id, {"data", "a/"});
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->file_count, 3u);
  EXPECT_EQ((*a)->total_bytes, 157u);
  EXPECT_EQ((*a)->newest_modified, "2024-03-01T00:00:00Z");

  auto children = store_->list_folders(source_id, "data", "a/");
  ASSERT_TRUE(children.has_value());
  ASSERT_EQ(children->size(), 1u);
  EXPECT_EQ((*children)[0].path, "a/b/");
  EXPECT_EQ((*children)[0].file_count, 2u);
  EXPECT_EQ((*children)[0].total_bytes, 150u);

  // After a sync that drops a/b/d.bin the roll-ups follow.
  sync_bucket(source_id, "data",
              {object("a/b/c.bin", 100, "2024-01-01T00:00:00Z"), object("a/e.bin", 7, "2024-02-01T00:00:00Z"),
               object("f.bin", 1, "2025-01-01T00:00:00Z")});
  a = store_->get_folder(source_id, {"data", "a/"});
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->file_count, 2u);
  EXPECT_EQ((*a)->total_bytes, 107u);
  EXPECT_EQ((*a)->newest_modified, "2024-02-01T00:00:00Z");
}

TEST_F(SqliteStoreSync, RetireUnvisitedBuckets) {
  const std::int64_t source_id = add_source();
  const std::int64_t first = start_job(source_id);
  write(source_id, first, "keep", {object("a.txt", 1)});
  write(source_id, first, "drop", {object("x.txt", 1), object("y/z.txt", 1), object("m/", 0)});
  complete(source_id, first, "keep", "synced");
  complete(source_id, first, "drop", "synced");
  finish(first);
  ASSERT_TRUE(store_->put_annotation(source_id, {"drop", ""}, Annotation{.description = "bucket note"}).has_value());

  const std::int64_t second = start_job(source_id);
  write(source_id, second, "keep", {object("a.txt", 1)});
  complete(source_id, second, "keep", "synced");
  auto retired = store_->retire_unvisited_buckets(source_id, second);
  ASSERT_TRUE(retired.has_value()) << retired.error().message;
  EXPECT_EQ(*retired, 2u);

  EXPECT_EQ(file_paths(source_id), std::vector<std::string>{"/keep/a.txt"});
  auto dropped = store_->get_bucket(source_id, "drop");
  ASSERT_TRUE(dropped.has_value()) << dropped.error().message;
  ASSERT_TRUE(dropped->has_value());
  EXPECT_FALSE((*dropped)->present);
  EXPECT_EQ((*dropped)->file_count, 0u);
  auto folder = store_->get_folder(source_id, {"drop", "y/"});
  ASSERT_TRUE(folder.has_value());
  EXPECT_FALSE(folder->has_value());
  auto kept = store_->get_bucket(source_id, "keep");
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  ASSERT_TRUE(kept->has_value());
  EXPECT_TRUE((*kept)->present);
  auto note = store_->get_annotation(source_id, {"drop", ""});
  ASSERT_TRUE(note.has_value()) << note.error().message;
  ASSERT_TRUE(note->has_value()) << "bucket annotations outlive the bucket";
  finish(second);

  // A bucket only recorded by the job (for example empty) stays.
  const std::int64_t third = start_job(source_id);
  ASSERT_TRUE(store_->record_bucket(source_id, third, BucketEntry{.name = "keep"}).has_value());
  retired = store_->retire_unvisited_buckets(source_id, third);
  ASSERT_TRUE(retired.has_value());
  EXPECT_EQ(*retired, 0u);
  EXPECT_EQ(file_paths(source_id), std::vector<std::string>{"/keep/a.txt"});
}

TEST_F(SqliteStoreSync, RecordBucketStoresMetadata) {
  const std::int64_t source_id = add_source();
  const std::int64_t job = start_job(source_id);
  BucketEntry entry;
  entry.name = "void";
  entry.creation_date = "2023-01-02T03:04:05Z";
  entry.region = "eu-central-1";
  ASSERT_TRUE(store_->record_bucket(source_id, job, entry).has_value());
  complete(source_id, job, "void", "synced");

  auto buckets = store_->list_buckets(source_id);
  ASSERT_TRUE(buckets.has_value());
  ASSERT_EQ(buckets->size(), 1u);
  EXPECT_EQ((*buckets)[0].name, "void");
  EXPECT_EQ((*buckets)[0].creation_date, "2023-01-02T03:04:05Z");
  EXPECT_EQ((*buckets)[0].region, "eu-central-1");
  EXPECT_EQ((*buckets)[0].last_status, "synced");
  EXPECT_EQ((*buckets)[0].last_synced, "2024-05-01T00:00:00Z");
  EXPECT_EQ((*buckets)[0].file_count, 0u);
  EXPECT_FALSE((*buckets)[0].stale);
}

TEST_F(SqliteStoreSync, RejectsInvalidWrites) {
  const std::int64_t source_id = add_source();
  const std::int64_t job = start_job(source_id);
  auto empty_key = store_->write_objects(source_id, job, "logs", std::vector<ObjectRecord>{object("", 1)});
  ASSERT_FALSE(empty_key.has_value());
  EXPECT_EQ(empty_key.error().kind, StoreErrorKind::kInvalid);

  ObjectRecord other_bucket = object("a", 1);
  other_bucket.bucket = "elsewhere";
  auto mismatch = store_->write_objects(source_id, job, "logs", std::vector<ObjectRecord>{other_bucket});
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().kind, StoreErrorKind::kInvalid);

  auto status = store_->complete_bucket(source_id, job, testing::bucket_result("logs", "done"));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, StoreErrorKind::kInvalid);

  auto unknown_source = store_->write_objects(source_id + 100, job, "logs", std::vector<ObjectRecord>{object("a", 1)});
  ASSERT_FALSE(unknown_source.has_value());
  EXPECT_EQ(unknown_source.error().kind, StoreErrorKind::kNotFound);
}

TEST_F(SqliteStoreSync, FileMetadataRoundTrip) {
  const std::int64_t source_id = add_source();
  ObjectRecord record = object("deep/archive.bin", 123456789012, "2024-05-01T12:00:00Z",
                               "9b2cf535f27731c974343645a3985328-2");
  record.storage_class = "DEEP_ARCHIVE";
  record.checksum_algorithm = "CRC32C";
  sync_bucket(source_id, "alpha", {record});

  auto file = file_of(*store_, source_id, "alpha", "deep/archive.bin");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->object.bucket, "alpha");
  EXPECT_EQ(file->object.size, 123456789012u);
  EXPECT_EQ(file->object.last_modified, "2024-05-01T12:00:00Z");
  EXPECT_EQ(file->object.etag, "9b2cf535f27731c974343645a3985328-2");
  EXPECT_EQ(file->object.storage_class, "DEEP_ARCHIVE");
  EXPECT_EQ(file->object.checksum_algorithm, "CRC32C");
  EXPECT_EQ(file->first_seen, "2024-05-01T00:00:00Z");
  EXPECT_FALSE(file->stale);
}

// A batch in key order reads the stored state with one range scan, any other
// batch with one lookup per key; both must count and store the same.
TEST_F(SqliteStoreSync, SortedAndUnsortedBatchesCountAlike) {
  const std::vector<ObjectRecord> before = {object("a", 1), object("c", 3), object("e", 5), object("g", 7)};
  const std::vector<ObjectRecord> sorted = {object("a", 10), object("b", 2), object("c", 3),
                                            object("e", 5, "2024-05-01T12:00:00Z", "new-etag"), object("f", 6)};
  const std::vector<ObjectRecord> unsorted = {sorted[4], sorted[1], sorted[3], sorted[0], sorted[2]};

  const std::vector<std::pair<std::string, std::vector<ObjectRecord>>> cases = {{"sorted", sorted},
                                                                                 {"unsorted", unsorted}};
  for (const auto& [bucket, batch] : cases) {
    const std::int64_t source_id = add_source(bucket);
    sync_bucket(source_id, bucket, before);
    const std::int64_t job = start_job(source_id);
    const WriteCounts counts = write(source_id, job, bucket, batch);
    EXPECT_EQ(counts.added, 2u) << bucket;
    EXPECT_EQ(counts.updated, 2u) << bucket;
    EXPECT_EQ(counts.first_seen_by_job, 5u) << bucket;
    complete(source_id, job, bucket, "synced");

    EXPECT_EQ(file_paths(source_id), (std::vector<std::string>{"/" + bucket + "/a", "/" + bucket + "/b",
                                                               "/" + bucket + "/c", "/" + bucket + "/e",
                                                               "/" + bucket + "/f"}));
    auto changed = file_of(*store_, source_id, bucket, "e");
    ASSERT_TRUE(changed.has_value());
    EXPECT_EQ(changed->object.etag, "new-etag");
    auto removed = file_of(*store_, source_id, bucket, "g");
    ASSERT_TRUE(removed.has_value());
    EXPECT_FALSE(removed->present);
  }
}

TEST_F(SqliteStoreSync, UnchangedFileGetsNewMark) {
  const std::int64_t source_id = add_source();
  ObjectRecord record = object("k", 1);
  record.checksum_algorithm = "CRC32";
  sync_bucket(source_id, "logs", {record});
  advance_clock(60);

  const std::int64_t job = start_job(source_id);
  const WriteCounts counts = write(source_id, job, "logs", {record});
  EXPECT_EQ(counts.first_seen_by_job, 1u);
  EXPECT_EQ(counts.updated, 0u);
  EXPECT_EQ(complete(source_id, job, "logs", "synced"), 0u) << "the file was seen, so nothing is removed";

  auto file = file_of(*store_, source_id, "logs", "k");
  ASSERT_TRUE(file.has_value());
  EXPECT_TRUE(file->present);
  EXPECT_EQ(file->last_seen, clock_text());
  EXPECT_EQ(file->object.checksum_algorithm, "CRC32");
  finish(job);

  // A storage class change alone is stored, though it does not count as an update.
  record.storage_class = "GLACIER";
  const std::int64_t third = start_job(source_id);
  write(source_id, third, "logs", {record});
  file = file_of(*store_, source_id, "logs", "k");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->object.storage_class, "GLACIER");
}

// An unchanged page is marked by one range update, which must not reach a
// stored key between the page's keys that the listing no longer returns, nor
// keys beyond the page.
TEST_F(SqliteStoreSync, UnchangedPageMarksOnlyItsOwnKeys) {
  const std::int64_t source_id = add_source();
  sync_bucket(source_id, "logs", {object("a", 1), object("b", 2), object("c", 3), object("d", 4), object("e", 5)});
  advance_clock(60);

  const std::int64_t job = start_job(source_id);
  WriteCounts counts = write(source_id, job, "logs", {object("a", 1), object("c", 3)});  // "b" is gone
  EXPECT_EQ(counts.first_seen_by_job, 2u);
  counts = write(source_id, job, "logs", {object("d", 4)});  // an unchanged page of one
  EXPECT_EQ(counts.first_seen_by_job, 1u);
  EXPECT_EQ(counts.updated, 0u);
  EXPECT_EQ(complete(source_id, job, "logs", "synced"), 2u) << "b and e were not listed";

  EXPECT_EQ(file_paths(source_id), (std::vector<std::string>{"/logs/a", "/logs/c", "/logs/d"}));
  for (const char* key : {"a", "c", "d"}) {
    auto file = file_of(*store_, source_id, "logs", key);
    ASSERT_TRUE(file.has_value()) << key;
    EXPECT_EQ(file->last_seen, clock_text()) << key;
  }
  auto removed = file_of(*store_, source_id, "logs", "b");
  ASSERT_TRUE(removed.has_value());
  EXPECT_FALSE(removed->present);
  EXPECT_NE(removed->last_seen, clock_text());
}

}  // namespace
}  // namespace s3cat::catalog
