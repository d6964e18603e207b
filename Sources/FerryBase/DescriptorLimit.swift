import Foundation

/// The process's limit on open file descriptors.
public enum DescriptorLimit {
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    /// Raises the soft limit to the hard one, as far as the system allows, and returns the limit now
    /// in force: a run over many hosts needs descriptors for every connection running at once, and
    /// shells often start programs with a soft limit of 1024 under a much higher hard one.
    @discardableResult
    public static func raiseToHard() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            // The kernel's own ceiling (fs.nr_open) may be below an unlimited hard limit.
            if setrlimit(Self.resource, &raised) != 0 {
                raised.rlim_cur = min(limit.rlim_max, 1 << 20)
                if setrlimit(Self.resource, &raised) == 0 { limit = raised }
            } else {
                limit = raised
            }
        }
        return UInt64(limit.rlim_cur)
    }
}
