import Foundation
import Testing
@testable import MiniDRAW

/// The host's steal that `minidraw bench` reports beside its figures (`HostCPUTimes`).
@Suite("Host CPU times: /proc/stat's cpu line and the stolen share of an interval")
struct HostCPUTimesTests {
    static let sample = """
        cpu  3493886 6546151 91386 703813 3217 10 1779 40452 0 0
        cpu0 1746943 3273075 45693 351906 1608 5 889 20226 0 0
        intr 123456
        """

    @Test("the aggregate line splits into busy (user + nice + system + irq + softirq) and steal; idle and iowait left out")
    func parsesAggregateLine() throws {
        let times = try #require(HostCPUTimes(procStat: Self.sample[...]))
        #expect(times == HostCPUTimes(busy: 3_493_886 + 6_546_151 + 91_386 + 10 + 1_779, steal: 40_452))
    }

    @Test("text without a cpu line, or a cpu line without the steal column, gives nil")
    func refusesOtherText() {
        #expect(HostCPUTimes(procStat: "intr 1 2 3\nctxt 4"[...]) == nil)
        #expect(HostCPUTimes(procStat: "cpu  1 2 3 4 5 6 7"[...]) == nil)
        #expect(HostCPUTimes(procStat: ""[...]) == nil)
    }

    @Test("the stolen share is stolen ticks over busy and stolen ticks; no work, no share")
    func stealShare() {
        let before = HostCPUTimes(busy: 1_000, steal: 20)
        let after = HostCPUTimes(busy: 1_700, steal: 120)       // 700 busy + 100 stolen
        #expect(abs(after.stealShare(since: before) - 100.0 / 800.0) < 1e-15)
        #expect(before.stealShare(since: before) == 0)
    }

    #if os(Linux)
    @Test("on Linux the counters read, and only grow")
    func readsOnLinux() throws {
        let first = try #require(HostCPUTimes.now())
        let second = try #require(HostCPUTimes.now())
        #expect(second.busy >= first.busy && second.steal >= first.steal)
        #expect((0...1).contains(second.stealShare(since: first)))
    }
    #endif
}
