// Fuzz target: what the service takes from the network, short of the socket. Mode byte 0-2: an
// HTTP ingest body (JSON array or lines, plain, gzip or zstd) split into records through the
// `auto` profile (Suricata, Wazuh, AIT-ADS), with small limits; mode 3: a syslog TCP stream
// framed (RFC 6587), each frame parsed (RFC 5424 / 3164) and its JSON payload ingested. Nothing
// may crash or hang, and every record the intake took must be in the batch.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_sinks.h"
#include "serve/ingest_body.h"
#include "serve/profiles.h"
#include "serve/record_batch.h"
#include "serve/syslog_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  if (size == 0) return 0;
  static serve::ProfileCatalog* catalog = new serve::ProfileCatalog();
  static Result<serve::RecordIntake> intake = catalog->intake_for("auto");
  if (!intake.ok()) fuzz::invariant_failed("the auto profile is missing");
  const uint8_t mode = data[0] % 4;
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  serve::BodyLimits limits;
  limits.max_records = mode == 1 ? 4 : 10000;
  limits.max_record_bytes = mode == 2 ? 256 : 1 << 20;
  limits.max_issues_listed = 3;
  serve::RecordBatch batch("fuzz");
  if (mode < 3) {
    auto result = serve::split_body(std::move(body), *intake, limits, batch);
    if (result.ok() && result->issues.size() > limits.max_issues_listed) {
      fuzz::invariant_failed("more issues listed than the limit");
    }
    if (result.ok() && batch.size() < result->taken) fuzz::invariant_failed("taken records missing");
    return 0;
  }
  serve::SyslogFramer framer(4096);
  size_t pos = 0;
  std::string_view frame;
  while (pos < body.size()) {
    size_t before = pos;
    auto next = framer.next(body, &pos, &frame);
    if (next != serve::SyslogFramer::Next::kFrame) break;
    if (pos <= before) fuzz::invariant_failed("framer made no progress");
    serve::SyslogMessage msg = serve::parse_syslog(frame);
    std::string_view json = serve::syslog_json_payload(msg);
    if (!json.empty()) (void)serve::split_body(std::string(json), *intake, limits, batch);
  }
  return 0;
}
