// Field resolution across the three layouts Vigil reads: evtx_dump JSON, ECS, flat JSON.
#include "core/fields.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace vigil {
namespace {

TEST(Fields, EvtxDumpLayout) {
  Event ev;
  ev.begin_object("Event");
  ev.begin_object("System");
  ev.begin_object("Provider");
  ev.begin_object("#attributes");
  ev.add_string("Name", "Microsoft-Windows-Sysmon");
  ev.end_container();
  ev.end_container();
  ev.begin_object("EventID");
  ev.begin_object("#attributes");
  ev.add_int("Qualifiers", 0);
  ev.end_container();
  ev.add_int("#text", 1);
  ev.end_container();
  ev.add_string("Channel", "Microsoft-Windows-Sysmon/Operational");
  ev.add_string("Computer", "host1");
  ev.begin_object("TimeCreated");
  ev.begin_object("#attributes");
  ev.add_string("SystemTime", "2025-10-24T23:34:34.640670Z");
  ev.end_container();
  ev.end_container();
  ev.end_container();
  ev.begin_object("EventData");
  ev.add_string("Image", "C:\\Windows\\System32\\cmd.exe");
  ev.end_container();
  ev.end_container();

  EXPECT_EQ(FieldResolver::layout(ev), Layout::kEvtxDump);
  std::string s;
  EXPECT_EQ(ev.field("EventID").text(s), "1");
  EXPECT_EQ(ev.field("Provider_Name").str(), "Microsoft-Windows-Sysmon");
  EXPECT_EQ(ev.field("Channel").str(), "Microsoft-Windows-Sysmon/Operational");
  EXPECT_EQ(ev.field("Computer").str(), "host1");
  EXPECT_EQ(ev.field("Image").str(), "C:\\Windows\\System32\\cmd.exe");
  EXPECT_EQ(ev.field("image").str(), "C:\\Windows\\System32\\cmd.exe");
  EXPECT_EQ(ev.field("Event.EventData.Image").str(), "C:\\Windows\\System32\\cmd.exe");
  EXPECT_FALSE(ev.field("CommandLine"));
  auto t = event_time_us(ev);
  ASSERT_TRUE(t);
  EXPECT_EQ(format_time_us(*t), "2025-10-24T23:34:34.640670Z");
}

TEST(Fields, EcsLayout) {
  Event ev;
  ev.add_string("@timestamp", "2021-01-01T00:00:00.000Z");
  ev.begin_object("winlog");
  ev.add_int("event_id", 4688);
  ev.add_string("channel", "Security");
  ev.add_string("provider_name", "Microsoft-Windows-Security-Auditing");
  ev.begin_object("event_data");
  ev.add_string("NewProcessName", "C:\\x.exe");
  ev.end_container();
  ev.end_container();
  ev.begin_object("host");
  ev.add_string("name", "ws1");
  ev.end_container();

  EXPECT_EQ(FieldResolver::layout(ev), Layout::kEcs);
  std::string s;
  EXPECT_EQ(ev.field("EventID").text(s), "4688");
  EXPECT_EQ(ev.field("Channel").str(), "Security");
  EXPECT_EQ(ev.field("Provider_Name").str(), "Microsoft-Windows-Security-Auditing");
  EXPECT_EQ(ev.field("NewProcessName").str(), "C:\\x.exe");
  EXPECT_EQ(ev.field("winlog.event_data.NewProcessName").str(), "C:\\x.exe");
  EXPECT_EQ(ev.field("host.name").str(), "ws1");
  EXPECT_TRUE(event_time_us(ev));
}

TEST(Fields, FlatLayout) {
  Event ev;
  ev.add_string("EventID", "13");
  ev.add_string("SourceName", "Microsoft-Windows-Sysmon");
  ev.add_string("Hostname", "WORKSTATION6.mordor.local");
  ev.add_string("Channel", "Microsoft-Windows-Sysmon/Operational");
  ev.add_string("TargetObject", "HKLM\\x");
  ev.add_string("winlog.event_id", "13");  // flattened ECS key

  EXPECT_EQ(FieldResolver::layout(ev), Layout::kFlat);
  EXPECT_EQ(ev.field("EventID").str(), "13");
  EXPECT_EQ(ev.field("Provider_Name").str(), "Microsoft-Windows-Sysmon");
  EXPECT_EQ(ev.field("Computer").str(), "WORKSTATION6.mordor.local");
  EXPECT_EQ(ev.field("TargetObject").str(), "HKLM\\x");
  EXPECT_EQ(ev.field("winlog.event_id").str(), "13");
}

// resolve_many gives what resolve gives, name by name: aliases, dotted paths, exact before
// case-insensitive, section order, #text unwrapping, absent names.
TEST(Fields, ResolveManyAgreesWithResolve) {
  Event ev;
  ev.begin_object("Event");
  ev.begin_object("System");
  ev.add_int("EventID", 1);
  ev.add_string("Channel", "Security");
  ev.add_string("image", "system-lower");
  ev.end_container();
  ev.begin_object("EventData");
  ev.add_string("IMAGE", "upper");
  ev.add_string("Image", "exact");
  ev.begin_object("Data");
  ev.add_string("#text", "wrapped");
  ev.end_container();
  ev.add_string("user", "lower-user");
  ev.end_container();
  ev.end_container();
  const std::string_view names[] = {"Image", "image", "IMAGE", "iMaGe", "Data", "User", "Channel",
                                    "EventID", "Event.EventData.Image", "Missing", "", "user"};
  Value many[std::size(names)];
  FieldResolver::resolve_many(ev, names, many);
  for (size_t i = 0; i < std::size(names); ++i) {
    Value one = FieldResolver::resolve(ev, names[i]);
    EXPECT_EQ(one.valid(), many[i].valid()) << names[i];
    if (one.valid() && many[i].valid()) {
      EXPECT_EQ(one.index(), many[i].index()) << names[i];
    }
  }
  EXPECT_EQ(many[0].str(), "exact");
  EXPECT_EQ(many[2].str(), "upper");
  EXPECT_EQ(many[4].str(), "wrapped");

  // A flat event: aliases by their flat names, Data falling back to Message.
  Event flat;
  flat.add_string("Hostname", "host1");
  flat.add_string("Message", "rendered");
  flat.add_string("image", "lower");
  const std::string_view flat_names[] = {"Computer", "Data", "data", "Image", "Message", "Missing"};
  Value flat_many[std::size(flat_names)];
  FieldResolver::resolve_many(flat, flat_names, flat_many);
  for (size_t i = 0; i < std::size(flat_names); ++i) {
    Value one = FieldResolver::resolve(flat, flat_names[i]);
    EXPECT_EQ(one.valid(), flat_many[i].valid()) << flat_names[i];
    if (one.valid() && flat_many[i].valid()) {
      EXPECT_EQ(one.index(), flat_many[i].index()) << flat_names[i];
    }
  }
  EXPECT_EQ(flat_many[1].str(), "rendered");
}

// resolve_many over a long name list (more names than hash buckets hold apart, so buckets chain)
// gives what resolve gives on random events: keys drawn from the names in random ASCII case, with
// duplicates, others of the same length and first and last letter, `#text` objects, in every
// section of every layout.
TEST(Fields, ResolveManyAgreesWithResolveOnRandomEvents) {
  const std::string_view names[] = {
      "CommandLine", "Image", "ParentImage", "ParentCommandLine", "User", "TargetFilename",
      "TargetObject", "Details", "ImageLoaded", "SourceImage", "TargetImage", "GrantedAccess",
      "DestinationIp", "DestinationPort", "DestinationHostname", "SourceIp", "QueryName",
      "PipeName", "ServiceName", "ImagePath", "NewProcessName", "ParentProcessName",
      "ProcessName", "TargetUserName", "SubjectUserName", "IpAddress", "LogonType",
      "WorkstationName", "ScriptBlockText", "Payload", "Hashes", "AccountName", "UserName",
      "SourceAddress", "ClientAddress", "DestAddress", "Application", "Computer", "Data",
      "EventID", "Event.EventData.Image", "winlog.event_data.User", "", "x", "Sx", "SX"};
  const FieldResolver::Names prepared(names);
  uint32_t state = 2024;
  auto next = [&](uint32_t bound) {
    state = state * 1103515245 + 12345;
    return (state >> 8) % bound;
  };
  // A key near a name: itself, in another case, or changed inside (same length, first, last).
  auto key_near = [&]() {
    std::string key(names[next(std::size(names))]);
    for (char& c : key) {
      if (next(3) == 0 && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    if (key.size() > 2 && next(4) == 0) key[1 + next(static_cast<uint32_t>(key.size() - 2))] = '_';
    return key;
  };
  auto fill = [&](Event& ev, int members) {
    for (int k = 0; k < members; ++k) {
      const std::string key = key_near();
      const std::string_view stored = ev.copy(key);
      switch (next(5)) {
        case 0:
          ev.begin_object(stored);
          ev.add_string("#text", "wrapped");
          ev.end_container();
          break;
        case 1: ev.add_int(stored, k); break;
        default: ev.add_string(stored, ev.copy(std::to_string(k)));
      }
    }
  };
  for (int round = 0; round < 600; ++round) {
    Event ev;
    switch (round % 3) {
      case 0:  // evtx_dump: EventData, UserData/<element>, System
        ev.begin_object("Event");
        ev.begin_object("System");
        fill(ev, static_cast<int>(next(8)));
        ev.end_container();
        ev.begin_object("EventData");
        fill(ev, static_cast<int>(next(30)));
        ev.end_container();
        if (next(2)) {
          ev.begin_object("UserData");
          ev.begin_object("Schema");
          fill(ev, static_cast<int>(next(10)));
          ev.end_container();
          ev.end_container();
        }
        ev.end_container();
        break;
      case 1:  // ECS
        ev.begin_object("winlog");
        ev.begin_object("event_data");
        fill(ev, static_cast<int>(next(30)));
        ev.end_container();
        fill(ev, static_cast<int>(next(6)));
        ev.end_container();
        fill(ev, static_cast<int>(next(6)));
        break;
      default:  // flat
        fill(ev, static_cast<int>(next(40)));
    }
    Value many[std::size(names)];
    const uint64_t found = FieldResolver::resolve_many(ev, prepared, many);
    for (size_t i = 0; i < std::size(names); ++i) {
      const Value one = FieldResolver::resolve(ev, names[i]);
      ASSERT_EQ(one.valid(), many[i].valid()) << "round " << round << " " << names[i];
      ASSERT_EQ(one.valid(), ((found >> i) & 1) != 0) << "round " << round << " " << names[i];
      if (one.valid()) {
        ASSERT_EQ(one.index(), many[i].index()) << "round " << round << " " << names[i];
      }
    }
  }
}

// event_time_us reads evtx_dump's System.TimeCreated from the System object layout detection
// found; the same as the walk from the root, also when that walk fails early.
TEST(Fields, EvtxTimeComesFromTheFirstSystem) {
  auto time_of = [](Event& ev) {
    auto t = event_time_us(ev);
    return t ? format_time_us(*t) : std::string("none");
  };
  auto system_with_time = [](Event& ev, const char* time) {
    ev.begin_object("System");
    ev.add_string("Channel", "Security");
    ev.begin_object("TimeCreated");
    ev.begin_object("#attributes");
    ev.add_string("SystemTime", time);
    ev.end_container();
    ev.end_container();
    ev.end_container();
  };
  Event two;  // the first System counts, as the first Event does
  two.begin_object("Event");
  system_with_time(two, "2021-01-01T00:00:01Z");
  system_with_time(two, "2021-01-01T00:00:02Z");
  two.end_container();
  two.begin_object("Event");
  system_with_time(two, "2021-01-01T00:00:03Z");
  two.end_container();
  EXPECT_EQ(time_of(two), "2021-01-01T00:00:01.000000Z");

  Event scalar_system;  // System not an object: no evtx time; the later candidates still count
  scalar_system.begin_object("Event");
  scalar_system.add_string("System", "x");
  scalar_system.end_container();
  scalar_system.add_string("UtcTime", "2021-01-01 00:00:04.000");
  EXPECT_EQ(time_of(scalar_system), "2021-01-01T00:00:04.000000Z");

  Event scalar_event;  // `Event` not an object: a flat event
  scalar_event.add_string("Event", "x");
  scalar_event.add_string("TimeCreated", "2021-01-01T00:00:05Z");
  EXPECT_EQ(time_of(scalar_event), "2021-01-01T00:00:05.000000Z");

  Event no_time;
  no_time.begin_object("Event");
  no_time.begin_object("System");
  no_time.add_string("Channel", "Security");
  no_time.end_container();
  no_time.end_container();
  EXPECT_EQ(time_of(no_time), "none");
}

// The matcher's routing pair, and a detection's event facts (the pair and Computer), agree with
// resolve() on every shape: System holding them (wrapped EventID, Channel after it, Computer
// twice), System missing some (found in EventData instead, or by another case), no System at
// all, and the other layouts.
TEST(Fields, ResolveRoutingAgreesWithResolve) {
  auto same = [](Value got, Value want, const char* what, const char* name) {
    EXPECT_EQ(got.valid(), want.valid()) << what << " " << name;
    if (got && want) {
      EXPECT_EQ(got.index(), want.index()) << what << " " << name;
    }
  };
  auto check = [&](const Event& ev, const char* what) {
    Value eid, channel;
    FieldResolver::resolve_routing(ev, &eid, &channel);
    const Value want_eid = FieldResolver::resolve(ev, "EventID");
    const Value want_channel = FieldResolver::resolve(ev, "Channel");
    same(eid, want_eid, what, "EventID");
    same(channel, want_channel, what, "Channel");
    Value facts_eid, facts_channel, computer;
    FieldResolver::resolve_event_facts(ev, &facts_eid, &facts_channel, &computer);
    same(facts_eid, want_eid, what, "facts EventID");
    same(facts_channel, want_channel, what, "facts Channel");
    same(computer, FieldResolver::resolve(ev, "Computer"), what, "facts Computer");
    return std::pair(eid, channel);
  };
  Event full;
  full.begin_object("Event");
  full.begin_object("System");
  full.add_string("Version", "2");
  full.begin_object("EventID");
  full.begin_object("#attributes");
  full.add_int("Qualifiers", 0);
  full.end_container();
  full.add_int("#text", 4624);
  full.end_container();
  full.add_string("Channel", "Security");
  full.add_string("Channel", "second");
  full.add_string("Computer", "dc01");
  full.add_string("Computer", "dc02");
  full.end_container();
  full.end_container();
  auto [eid, channel] = check(full, "full");
  EXPECT_EQ(FieldResolver::resolve(full, "Computer").str(), "dc01");
  int64_t id = 0;
  EXPECT_TRUE(eid.as_int(&id));
  EXPECT_EQ(id, 4624);
  EXPECT_EQ(channel.str(), "Security");

  Event partial;  // System without Channel; EventData carries one, System an `eventid`
  partial.begin_object("Event");
  partial.begin_object("System");
  partial.add_int("eventid", 7);
  partial.end_container();
  partial.begin_object("EventData");
  partial.add_string("channel", "from-data");
  partial.add_string("Computer", "from-data");
  partial.end_container();
  partial.end_container();
  auto [eid2, channel2] = check(partial, "partial");
  EXPECT_TRUE(eid2.as_int(&id));
  EXPECT_EQ(id, 7);
  EXPECT_EQ(channel2.str(), "from-data");

  Event no_system;
  no_system.begin_object("Event");
  no_system.begin_object("EventData");
  no_system.add_int("EventID", 9);
  no_system.end_container();
  no_system.end_container();
  auto [eid3, channel3] = check(no_system, "no System");
  EXPECT_TRUE(eid3.valid());
  EXPECT_FALSE(channel3.valid());

  Event ecs;
  ecs.begin_object("winlog");
  ecs.add_int("event_id", 1);
  ecs.add_string("channel", "Microsoft-Windows-Sysmon/Operational");
  ecs.end_container();
  check(ecs, "ecs");

  Event flat;
  flat.add_int("EventID", 4688);
  flat.add_string("LogName", "Security");
  auto [eid5, channel5] = check(flat, "flat");
  EXPECT_EQ(channel5.str(), "Security");

  // Flat records are resolved in one walk over the root: a later key of a better-ranked
  // spelling wins over an earlier worse one, the first of equal keys wins, and a fact found
  // only by case goes through resolve().
  Event ranked;
  ranked.add_string("log_name", "worst");
  ranked.add_string("ComputerName", "third");
  ranked.add_string("LogName", "better");
  ranked.add_int("EventCode", 1);
  ranked.add_int("event_id", 2);
  ranked.add_string("Hostname", "second");
  ranked.add_string("LogName", "better-again");
  ranked.add_int("EventId", 3);
  auto [eid6, channel6] = check(ranked, "flat ranked");
  EXPECT_EQ(channel6.str(), "better");
  EXPECT_TRUE(eid6.as_int(&id));
  EXPECT_EQ(id, 3);
  Event by_case;
  by_case.add_int("eventid", 5);
  by_case.add_string("CHANNEL", "upper");
  by_case.add_string("computer", "lower");
  check(by_case, "flat by case");
  Event none;
  none.add_string("Message", "no facts");
  check(none, "flat none");
}

// NXLog (the Mordor data sets): system fields under their NXLog names, event data at the root,
// classic PowerShell details only in the rendered Message.
TEST(Fields, NxlogLayout) {
  Event ev;
  ev.add_string("@timestamp", "2020-10-18T07:50:06.220Z");
  ev.add_string("EventTime", "2020-10-18 03:50:06");
  ev.add_string("host", "wec.internal.cloudapp.net");  // the collector, not the event's machine
  ev.add_string("Hostname", "WORKSTATION5.theshire.local");
  ev.add_string("SourceName", "PowerShell");
  ev.add_string("Channel", "Windows PowerShell");
  ev.add_int("EventID", 400);
  ev.add_int("RecordNumber", 8812);
  ev.add_string("ProcessID", "1368");  // NXLog's own: the event log service's process
  ev.add_string("Message",
                "Engine state is changed from None to Available.\r\n\r\nDetails:\r\n\t"
                "NewEngineState=Available\r\n\tHostName=ConsoleHost\r\n\tHostApplication="
                "powershell.exe -nop -w hidden\r\n");

  EXPECT_EQ(FieldResolver::layout(ev), Layout::kFlat);
  std::string s;
  EXPECT_EQ(ev.field("EventID").text(s), "400");
  EXPECT_EQ(ev.field("Computer").str(), "WORKSTATION5.theshire.local");
  EXPECT_EQ(ev.field("Provider_Name").str(), "PowerShell");
  EXPECT_EQ(ev.field("EventRecordID").text(s), "8812");
  EXPECT_NE(ev.field("Data").str().find("HostApplication=powershell.exe -nop"), std::string::npos);
  auto t = event_time_us(ev);
  ASSERT_TRUE(t);
  EXPECT_EQ(format_time_us(*t), "2020-10-18T07:50:06.220000Z");
}

// An event that has its own Data keeps it; Message is only the fallback.
TEST(Fields, FlatDataPrefersOwnField) {
  Event ev;
  ev.add_string("Channel", "Application");
  ev.add_string("Data", "own");
  ev.add_string("Message", "rendered");
  EXPECT_EQ(ev.field("Data").str(), "own");
}

// Winlogbeat 6 (Mordor 2019 captures): lower-case system fields, event data nested in event_data.
TEST(Fields, Winlogbeat6Layout) {
  Event ev;
  ev.add_string("@timestamp", "2019-05-18T20:36:46.254Z");
  ev.begin_object("host");
  ev.add_string("name", "WECserver");
  ev.end_container();
  ev.add_string("log_name", "Microsoft-Windows-Sysmon/Operational");
  ev.add_string("source_name", "Microsoft-Windows-Sysmon");
  ev.add_string("computer_name", "HFDC01.shire.com");
  ev.add_string("record_number", "5402080");
  ev.add_int("event_id", 3);
  ev.begin_object("user");
  ev.add_string("name", "SYSTEM");
  ev.end_container();
  ev.begin_object("event_data");
  ev.add_string("Image", "C:\\Windows\\System32\\svchost.exe");
  ev.add_string("User", "NT AUTHORITY\\NETWORK SERVICE");
  ev.add_string("DestinationPort", "5985");
  ev.end_container();

  EXPECT_EQ(FieldResolver::layout(ev), Layout::kFlat);
  std::string s;
  EXPECT_EQ(ev.field("EventID").text(s), "3");
  EXPECT_EQ(ev.field("Channel").str(), "Microsoft-Windows-Sysmon/Operational");
  EXPECT_EQ(ev.field("Provider_Name").str(), "Microsoft-Windows-Sysmon");
  EXPECT_EQ(ev.field("Computer").str(), "HFDC01.shire.com");
  EXPECT_EQ(ev.field("EventRecordID").str(), "5402080");
  EXPECT_EQ(ev.field("Image").str(), "C:\\Windows\\System32\\svchost.exe");
  // event_data wins over the root's `user` object for Sigma's User.
  EXPECT_EQ(ev.field("User").str(), "NT AUTHORITY\\NETWORK SERVICE");
  EXPECT_EQ(ev.field("DestinationPort").str(), "5985");
  EXPECT_TRUE(event_time_us(ev));
}

}  // namespace
}  // namespace vigil
