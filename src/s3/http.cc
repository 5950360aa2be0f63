#include "s3/http.h"

namespace s3cat::s3 {

std::string HttpResponse::header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

}  // namespace s3cat::s3
