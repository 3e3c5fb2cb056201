// The analyst's routes: the incident queue and pages (read from the store's published
// incidents), verdicts and suppressions (through the live engine, which stores them).
#include <simdjson.h>

#include "core/json_writer.h"
#include "core/text.h"
#include "core/time.h"
#include "serve/api_server.h"
#include "serve/api_util.h"

namespace vigil::serve {
namespace {

constexpr size_t kMaxReasonBytes = 2000;

void write_suppression(JsonWriter& w, const SuppressionRow& row) {
  w.begin_object();
  w.field("id", row.id);
  w.key("spec").raw(row.spec);
  w.field("reason", row.reason);
  if (row.verdict_id) w.field("verdict_id", row.verdict_id);
  w.field("created", format_time_us(row.created_us));
  if (row.deleted_us) w.field("deleted", format_time_us(*row.deleted_us));
  w.end_object();
}

Result<IncidentFilter> filter_from(const httplib::Request& req) {
  IncidentFilter f;
  std::string statuses = api::text_param(req, "status");
  for (size_t pos = 0; pos < statuses.size();) {
    size_t comma = statuses.find(',', pos);
    if (comma == std::string::npos) comma = statuses.size();
    std::string one(trim(std::string_view(statuses).substr(pos, comma - pos)));
    if (!one.empty()) f.statuses.push_back(one);
    pos = comma + 1;
  }
  auto min_score = api::double_param(req, "min_score");
  if (!min_score.ok()) return min_score.status();
  f.min_score = *min_score;
  f.host = api::text_param(req, "host");
  f.text = api::text_param(req, "q");
  auto since = api::time_param(req, "since");
  if (!since.ok()) return since.status();
  f.since_us = *since;
  auto until = api::time_param(req, "until");
  if (!until.ok()) return until.status();
  f.until_us = *until;
  auto limit = api::int_param(req, "limit", 1, 500);
  if (!limit.ok()) return limit.status();
  if (*limit) f.limit = **limit;
  auto offset = api::int_param(req, "offset", 0, INT64_MAX / 2);
  if (!offset.ok()) return offset.status();
  if (*offset) f.offset = **offset;
  std::string sort = api::text_param(req, "sort");
  if (sort == "last_seen") {
    f.order = IncidentFilter::Order::kLastSeen;
  } else if (!sort.empty() && sort != "score") {
    return Invalid("parameter sort must be score or last_seen");
  }
  return f;
}

// The seqs listed in an incident document's "alerts" array, from `offset`, at most `limit`.
std::vector<int64_t> alert_seqs(const std::string& doc, int64_t offset, int64_t limit, int64_t* total) {
  std::vector<int64_t> out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array alerts;
  *total = 0;
  if (parser.parse(doc).get(root) || root["alerts"].get_array().get(alerts)) return out;
  int64_t index = 0;
  for (simdjson::dom::element item : alerts) {
    int64_t seq = 0;
    if (!item.get_int64().get(seq) && index >= offset && static_cast<int64_t>(out.size()) < limit) {
      out.push_back(seq);
    }
    ++index;
  }
  *total = index;
  return out;
}

}  // namespace

void ApiServer::install_incidents() {
  http_->Get("/api/v1/incidents", [this](const httplib::Request& req, httplib::Response& res) {
    auto filter = filter_from(req);
    if (!filter.ok()) return api::send_status(res, filter.status());
    auto store = deps_.stores->acquire();
    if (!store.ok()) return api::send_status(res, store.status());
    auto page = (*store)->list_incidents(*filter);
    if (!page.ok()) return api::send_status(res, page.status());
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    w.field("total", page->total).field("offset", filter->offset).field("limit", filter->limit);
    w.field("processed_seq", deps_.triage->processed_seq());
    w.key("incidents").begin_array();
    for (const auto& summary : page->summaries) w.raw(summary);
    w.end_array().end_object();
    api::send_json(res, 200, std::move(body));
  });

  http_->Get(R"(/api/v1/incidents/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::string id = req.matches[1];
    auto offset = api::int_param(req, "alerts_offset", 0, INT64_MAX / 2);
    auto limit = api::int_param(req, "alerts_limit", 0, 5000);
    if (!offset.ok()) return api::send_status(res, offset.status());
    if (!limit.ok()) return api::send_status(res, limit.status());
    auto store = deps_.stores->acquire();
    if (!store.ok()) return api::send_status(res, store.status());
    auto doc = (*store)->incident_doc(id);
    if (!doc.ok()) return api::send_status(res, doc.status());
    if (!doc->has_value()) return api::send_error(res, 404, "not_found", "no incident " + id);
    auto verdicts = (*store)->verdicts(id);
    if (!verdicts.ok()) return api::send_status(res, verdicts.status());
    int64_t total = 0;
    auto seqs = alert_seqs(**doc, offset->value_or(0), limit->value_or(200), &total);
    auto alerts = (*store)->alerts_by_seq(seqs);
    if (!alerts.ok()) return api::send_status(res, alerts.status());

    std::string body = std::move(**doc);
    JsonWriter w(body);
    w.continue_object();  // add what the store knows to the published document
    w.key("verdicts").begin_array();
    for (const auto& v : *verdicts) {
      w.begin_object().field("id", v.id).field("verdict", v.verdict).field("reason", v.reason);
      w.field("analyst", v.analyst).field("created", format_time_us(v.created_us)).end_object();
    }
    w.end_array();
    w.key("alert_records").begin_object();
    w.field("total", total).field("offset", offset->value_or(0));
    w.key("items").begin_array();
    for (const auto& a : *alerts) {
      w.begin_object().field("seq", a.seq).field("received", format_time_us(a.received_us));
      w.field("profile", a.profile).field("origin", a.origin);
      if (deps_.describe_alert) w.key("alert").raw(deps_.describe_alert(a));
      w.key("record").raw(a.raw).end_object();
    }
    w.end_array().end_object();
    w.end_object();
    api::send_json(res, 200, std::move(body));
  });

  http_->Post(R"(/api/v1/incidents/([^/]+)/verdict)", [this](const httplib::Request& req, httplib::Response& res) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(req.body).get(root) || !root.is_object()) {
      return api::send_error(res, 400, "malformed", "body must be a JSON object");
    }
    VerdictRequest request;
    request.incident_id = req.matches[1];
    std::string_view text;
    if (root["verdict"].get_string().get(text)) {
      return api::send_error(res, 400, "invalid_argument", "verdict (string) is required");
    }
    request.verdict = std::string(text);
    if (request.verdict != "true_positive" && request.verdict != "false_positive" &&
        request.verdict != "benign") {
      return api::send_error(res, 400, "invalid_argument",
                             "verdict must be true_positive, false_positive or benign");
    }
    if (root["reason"].get_string().get(text) || trim(text).empty() || text.size() > kMaxReasonBytes) {
      return api::send_error(res, 400, "invalid_argument",
                             "reason (non-empty string, at most 2000 bytes) is required");
    }
    request.reason = std::string(trim(text));
    if (!root["analyst"].get_string().get(text)) request.analyst = std::string(trim(text).substr(0, 200));
    auto outcome = deps_.triage->give_verdict(request);
    if (!outcome.ok()) return api::send_status(res, outcome.status());
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("verdict_id", outcome->verdict_id).field("incident_id", request.incident_id);
    w.field("verdict", request.verdict).field("status", outcome->incident_status);
    w.key("suppression");
    if (outcome->suppression) {
      write_suppression(w, *outcome->suppression);
    } else {
      w.null();
    }
    w.end_object();
    api::send_json(res, 200, std::move(body));
  });

  http_->Get("/api/v1/suppressions", [this](const httplib::Request& req, httplib::Response& res) {
    auto store = deps_.stores->acquire();
    if (!store.ok()) return api::send_status(res, store.status());
    auto rows = (*store)->suppressions(api::text_param(req, "include_deleted") == "true");
    if (!rows.ok()) return api::send_status(res, rows.status());
    std::string body;
    JsonWriter w(body);
    w.begin_object().key("suppressions").begin_array();
    for (const auto& row : *rows) write_suppression(w, row);
    w.end_array().end_object();
    api::send_json(res, 200, std::move(body));
  });

  http_->Post("/api/v1/suppressions", [this](const httplib::Request& req, httplib::Response& res) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::object spec;
    std::string_view reason;
    if (parser.parse(req.body).get(root) || root["spec"].get_object().get(spec)) {
      return api::send_error(res, 400, "malformed", "body must be {\"spec\": {...}, \"reason\": \"...\"}");
    }
    if (root["reason"].get_string().get(reason) || trim(reason).empty() || reason.size() > kMaxReasonBytes) {
      return api::send_error(res, 400, "invalid_argument", "reason (non-empty string) is required");
    }
    auto row = deps_.triage->add_suppression(simdjson::minify(spec), std::string(trim(reason)));
    if (!row.ok()) return api::send_status(res, row.status());
    std::string body;
    JsonWriter w(body);
    write_suppression(w, *row);
    api::send_json(res, 201, std::move(body));
  });

  http_->Delete(R"(/api/v1/suppressions/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    int64_t id = 0;
    if (!parse_int(req.matches[1].str(), &id)) {
      return api::send_error(res, 400, "invalid_argument", "bad suppression id");
    }
    auto removed = deps_.triage->remove_suppression(id);
    if (!removed.ok()) return api::send_status(res, removed.status());
    if (!*removed) return api::send_error(res, 404, "not_found", "no live suppression " + std::to_string(id));
    api::send_json(res, 200, "{\"deleted\":true,\"id\":" + std::to_string(id) + "}");
  });
}

}  // namespace vigil::serve
