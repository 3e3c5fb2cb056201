// jemalloc's settings for every Vigil program linked with it (CMake VIGIL_JEMALLOC), read by
// jemalloc when it starts; the MALLOC_CONF environment variable still overrides them.
//   percpu_arena:percpu  one arena per CPU rather than four: `vigil serve`'s many threads
//                        otherwise spread their garbage over eight arenas on two cores
//                        (ingest_bench peak RSS 149-162 MiB against 128-138 on glibc's malloc)
//   dirty_decay_ms:2000  freed pages go back to the kernel after 2 s instead of 10
// With both, ingest_bench peaks at 106 MiB at the same ingest rate, and a hunt runs as fast
// (docs/performance.md, session 8).
extern "C" {
// NOLINTNEXTLINE: jemalloc looks this symbol up by name.
const char* malloc_conf = "percpu_arena:percpu,dirty_decay_ms:2000";
}
