// "Test connection": which buckets a source's credentials can read, for the
// saved settings or for settings not saved yet.
#include "server/api_error.h"
#include "server/connection_test.h"
#include "server/context.h"
#include "server/http_support.h"
#include "server/source_input.h"

namespace s3cat::server {

void register_connection_routes(Router& router, ServerContext& context) {
  router.add("POST", "/api/test-connection", [&context](const httplib::Request& request, httplib::Response& response) {
    const nlohmann::json body = parse_object_body(request);
    // The settings of a source being added: the body of a create, with the
    // name optional.
    catalog::Source source;
    if (const auto name = string_member(body, "name", "name")) source.name = *name;
    apply_source_body(body, source, /*create=*/false);
    send_json(response, 200, test_connection(source, context.client_settings));
  });

  router.add("POST", "/api/sources/{name}/test-connection",
             [&context](const httplib::Request& request, httplib::Response& response) {
               const nlohmann::json body = parse_object_body(request);
               // The saved settings, with the fields of the body applied as a
               // PATCH would, but not saved.
               catalog::Source source = value_or_throw(context.store.get_source(path_parameter(request, 1)));
               apply_source_body(body, source, /*create=*/false);
               send_json(response, 200, test_connection(source, context.client_settings));
             });
}

}  // namespace s3cat::server
