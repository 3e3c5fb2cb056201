// POST /api/v1/ingest?profile=NAME: the body (a JSON array or JSON lines) is split and checked on
// the request's own thread, then handed to the committer; the answer goes out only once the
// accepted records are committed, so "accepted: N" means N records are durable.
#include <chrono>

#include "core/json_writer.h"
#include "serve/api_server.h"
#include "serve/api_util.h"

namespace vigil::serve {

void ApiServer::install_ingest() {
  Histogram& latency = deps_.metrics->histogram("vigil_ingest_request_seconds",
                                                "Ingest request time, body parse to durable answer");
  Counter& accepted = deps_.metrics->counter("vigil_alerts_accepted_total",
                                             "Alerts acknowledged to senders", {{"origin", "http"}});
  Counter& rejected = deps_.metrics->counter("vigil_alerts_rejected_total",
                                             "Records refused at ingest", {{"origin", "http"}});
  // The body is read through a content reader: whatever Content-Type a sender gives (curl's
  // --data-binary says form-urlencoded), it is never parsed as a form.
  http_->Post("/api/v1/ingest", [this, &latency, &accepted, &rejected](const httplib::Request& req,
                                                                       httplib::Response& res,
                                                                       const httplib::ContentReader& read_body) {
    auto started = std::chrono::steady_clock::now();
    struct InFlight {
      std::atomic<size_t>& n;
      ~InFlight() { n--; }
    } in_flight{ingest_in_flight_};
    if (ingest_in_flight_++ >= options_.max_concurrent_ingest) {
      read_body([](const char*, size_t) { return true; });  // drained, so the connection stays usable
      res.set_header("Retry-After", "1");
      return api::send_error(res, 503, "overloaded", "too many ingest requests at once; retry");
    }
    // httplib checks its payload limit (max_body_bytes) only against a Content-Length: a chunked
    // body, or what a gzip Content-Encoding inflates to, reaches here unbounded (a 64 KB gzip
    // body can inflate to 64 MB). So the limit is kept here too, on the bytes as decoded.
    std::string body;
    const size_t limit = options_.max_body_bytes;
    bool complete = read_body([&body, limit](const char* data, size_t length) {
      if (length > limit - body.size()) return false;
      body.append(data, length);
      return true;
    });
    if (!complete) {
      res.set_header("Connection", "close");
      return api::send_error(res, 413, "too_large", "request body over the size limit, or cut short");
    }
    std::string profile = api::text_param(req, "profile");
    if (profile.empty()) {
      return api::send_error(res, 400, "invalid_argument", "the profile parameter is required");
    }
    auto intake = deps_.intake_for(profile);
    if (!intake.ok()) return api::send_status(res, intake.status());

    RecordBatch batch("http");
    auto split = split_body(std::move(body), *intake, options_.body, batch);
    if (!split.ok()) return api::send_status(res, split.status());
    rejected.add(split->rejected);

    Ack ack;
    ack.count = 0;
    if (!batch.empty()) {
      auto committed = deps_.committer->submit_and_wait(std::move(batch), options_.ingest_room_timeout);
      if (!committed.ok()) return api::send_status(res, committed.status());
      ack = *committed;
      accepted.add(ack.count);
    }
    std::string answer;
    JsonWriter w(answer);
    w.begin_object();
    // accepted: records taken; stored: alert records committed (the same for alert profiles,
    // the Sigma detections for raw events).
    w.field("accepted", split->taken);
    w.field("stored", ack.count);
    w.field("rejected", split->rejected);
    if (ack.count > 0) {
      w.field("first_seq", ack.first_seq);
      w.field("last_seq", ack.first_seq + static_cast<int64_t>(ack.count) - 1);
    }
    w.key("issues").begin_array();
    for (const auto& issue : split->issues) {
      w.begin_object().field("line", issue.line).field("offset", issue.offset);
      w.field("message", issue.message).end_object();
    }
    w.end_array().end_object();
    // Nothing usable at all is the sender's error; a partly good body is accepted in part.
    int status = split->taken == 0 && split->rejected > 0 ? 400 : 200;
    api::send_json(res, status, std::move(answer));
    latency.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  });
}

}  // namespace vigil::serve
