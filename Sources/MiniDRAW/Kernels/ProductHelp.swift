import Foundation

// MARK: - Slices on their own threads, and help for the last one
//
// A training step runs its slices side by side, each wholly on one thread (`BatchSlice.runEach`),
// so the threads meet only at the start and the end. Two slices of the same size take the same
// work, but not always the same time: on a shared machine one core often runs 10-25% slower than
// the other for a while, and the step waits for the slower slice.
//
// So a thread that has finished its slices does not just wait: it offers help. While a helper
// is idle, the other thread hands it half of each product it starts (a fixed split by rows or by
// columns, `FloatProductPlan`), computes the other half, and waits for both. Each element of C is
// the same chain of multiply-adds whichever thread computes it and however C is split, so help
// changes no bit: only when the step ends.

/// Whether the calling thread is inside `GEMM.serially`, and the help it may ask for there: a
/// per-thread value (a POSIX thread-specific key), so slices running side by side each see their own.
enum SerialRegion {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The value stored for a serial region without help.
    private static var withoutHelp: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 1)! }

    static var isActive: Bool { pthread_getspecific(key) != nil }

    /// The help of the region the calling thread is in, if any.
    static var help: ProductHelp? {
        guard let value = pthread_getspecific(key), value != withoutHelp else { return nil }
        return Unmanaged<ProductHelp>.fromOpaque(value).takeUnretainedValue()
    }

    static func run<Result>(help: ProductHelp?, _ body: () throws -> Result) rethrows -> Result {
        let outer = pthread_getspecific(key)
        let value = help.map { UnsafeMutableRawPointer(Unmanaged.passUnretained($0).toOpaque()) } ?? withoutHelp
        pthread_setspecific(key, value)
        defer { pthread_setspecific(key, outer) }
        return try withExtendedLifetime(help) { try body() }
    }
}

/// The threads of one `BatchSlice.runEach`: which are still on their own slices, which wait to
/// help, and the one part of a product handed over at a time.
///
/// Waiting threads poll under a lock and yield the core between polls (`sched_yield`) rather
/// than sleep on a condition variable: a part of a product lasts 50-300 µs, and waking a
/// sleeping thread can take tens of microseconds on a virtual machine. Only a thread that has
/// nothing of its own left to do polls.
package final class ProductHelp: @unchecked Sendable {
    /// A part of a product handed to a helper: `posted` until a helper takes it (or its owner
    /// takes it back), then `running`, then `done`.
    private final class Part {
        enum State { case posted, running, done }
        let run: () -> Void
        var state = State.posted
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private let lock = NSLock()
    /// Threads still running their own slices.
    private var working: Int
    /// Threads in `helpUntilAllFinish` waiting for a part.
    private var idle = 0
    private var posted: Part?

    init(threads: Int) { working = threads }

    /// Whether a thread waits to help: the moment to split a product.
    var hasIdleHelper: Bool { lock.withLock { idle > 0 && posted == nil } }

    /// Runs `first` on the calling thread and `second` on an idle helper, returning when both
    /// are done. Without a helper, or if none has taken `second` when `first` is done, the
    /// calling thread runs `second` too.
    func run(_ first: () -> Void, _ second: () -> Void) {
        withoutActuallyEscaping(second) { second in
            lock.lock()
            guard idle > 0 && posted == nil else {
                lock.unlock()
                first()
                second()
                return
            }
            let part = Part(second)
            posted = part
            lock.unlock()
            first()
            lock.lock()
            if part.state == .posted {                                     // not taken: take it back
                posted = nil
                lock.unlock()
                second()
                return
            }
            while part.state != .done { yieldUnlocked() }
            lock.unlock()
        }
    }

    /// Called by each thread when its own slices are done: runs the parts others hand over
    /// until every thread has finished its slices.
    func helpUntilAllFinish() {
        lock.lock()
        working -= 1
        idle += 1
        while working > 0 {
            guard let part = posted else {
                yieldUnlocked()
                continue
            }
            posted = nil
            part.state = .running
            idle -= 1
            lock.unlock()
            part.run()
            lock.lock()
            part.state = .done
            idle += 1
        }
        idle -= 1
        lock.unlock()
    }

    /// Releases the lock, lets the core run another thread if one is ready, and takes the lock again.
    private func yieldUnlocked() {
        lock.unlock()
        sched_yield()
        lock.lock()
    }
}
