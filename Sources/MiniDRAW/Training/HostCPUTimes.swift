import Foundation

// MARK: - CPU time the host took away (steal)

/// The CPU time of all this machine's cores since boot, in clock ticks, as Linux counts it in the
/// `cpu` line of `/proc/stat`: working and *stolen*, the time a virtual machine's core was
/// ready to run but its hypervisor ran another guest instead.
///
/// `minidraw bench` reports the stolen share of its timed steps: on a shared virtual machine the
/// host can take 10-40% of the time while both cores are busy, and a benchmark that does not say
/// so blames the code for the host (2 threads against 1 thread most of all, since one busy core is
/// taken from less often than two).
package struct HostCPUTimes: Equatable, Sendable {
    /// user + nice + system + irq + softirq (guest time is inside user and nice already).
    package var busy: Int
    /// steal: ready to run, but the hypervisor ran someone else.
    package var steal: Int

    package init(busy: Int, steal: Int) {
        (self.busy, self.steal) = (busy, steal)
    }

    /// Parses the aggregate line `cpu  user nice system idle iowait irq softirq steal ...` of
    /// `/proc/stat`; nil when the text has no such line or it has fewer than 8 numbers (kernels
    /// before 2.6.11 had no steal column).
    package init?(procStat text: Substring) {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let numbers = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard numbers.count >= 8 else { return nil }
        // numbers[3] and [4] are idle and iowait, which the stolen share leaves out.
        let (user, nice, system, irq, softirq, steal) = (numbers[0], numbers[1], numbers[2], numbers[5], numbers[6], numbers[7])
        self.init(busy: user + nice + system + irq + softirq, steal: steal)
    }

    /// This machine's counters now: `/proc/stat` on Linux, nil where there is none (macOS, Windows).
    package static func now() -> HostCPUTimes? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        return HostCPUTimes(procStat: text[...])
    }

    /// Of the time between `earlier` and `self` that the cores had work for (busy or stolen), the
    /// share the host took: stolen / (busy + stolen), 0...1 (0 when there was no work). Idle
    /// time is left out, so one busy core of two and two busy cores compare: an idle core is
    /// never stolen from.
    package func stealShare(since earlier: HostCPUTimes) -> Double {
        let stolen = steal - earlier.steal
        let wanted = (busy - earlier.busy) + stolen
        return wanted > 0 ? Double(stolen) / Double(wanted) : 0
    }
}
