#if canImport(Glibc)
import Glibc
#endif

/// The soft limit on open descriptors raised to the hard one (systemd's default soft limit is
/// 1024): connections are capped per user instead (`max_connections_per_user`).
func raiseDescriptorLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
