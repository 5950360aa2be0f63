#include <utility>

#include "s3/client.h"

namespace s3cat::s3 {
namespace {

// A listing the server cannot continue. Following it would either stop
// early without saying so or request the same page forever.
S3Error broken_pagination(const ListObjectsRequest& request, const std::string& problem) {
  S3Error error;
  error.operation = "ListObjectsV2";
  error.context = "listing bucket " + request.bucket.str();
  if (!request.prefix.empty()) error.context += ", prefix " + request.prefix;
  error.message = problem;
  error.category = ErrorCategory::kService;
  error.hint = hint_for(error.category, "", error.operation);
  return error;
}

}  // namespace

ObjectPaginator::ObjectPaginator(Client& client, ListObjectsRequest first_request)
    : client_(client), request_(std::move(first_request)) {
  if (!request_.continuation_token.empty()) seen_tokens_.insert(request_.continuation_token);
}

Result<std::optional<ListObjectsPage>> ObjectPaginator::next() {
  if (done_) {
    if (final_error_) return std::unexpected(*final_error_);
    return std::nullopt;
  }

  auto page = client_.list_objects_page(request_);
  if (!page) {
    done_ = true;
    final_error_ = page.error();
    return std::unexpected(page.error());
  }
  ++pages_fetched_;

  // Only IsTruncated and the token decide whether more pages follow: an
  // empty or short page may sit in the middle of a listing.
  if (!page->is_truncated) {
    done_ = true;
    return std::optional(std::move(*page));
  }

  const std::string& token = page->next_continuation_token;
  if (token.empty()) {
    done_ = true;
    final_error_ = broken_pagination(
        request_, "truncated listing without a continuation token (IsTruncated is true but "
                  "NextContinuationToken is missing)");
  } else if (!seen_tokens_.insert(token).second) {
    done_ = true;
    final_error_ = broken_pagination(request_, "repeated continuation token: the server returned a token it had "
                                               "already sent, so the listing would not end");
  } else {
    request_.continuation_token = token;
  }
  return std::optional(std::move(*page));
}

}  // namespace s3cat::s3
