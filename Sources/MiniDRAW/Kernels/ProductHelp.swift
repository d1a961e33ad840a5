import Foundation

// MARK: - Slices on their own threads, and help for the last one
//
// A training step runs its slices side by side, each wholly on one thread (`BatchSlice.runEach`),
// so the threads meet only at the start and the end. Two slices of the same size take the same
// work, but not always the same time: on a shared machine one core often runs 10-25% slower than
// the other for a while, and the step waits for the slower slice.
//
// So a thread that has finished its slices does not just wait: it offers help. While a helper
// waits, the other thread cuts each product it starts in two (a fixed split by rows or by columns,
// `FloatProductPlan`) and gives it one half; a product already running whole offers its blocks of
// rows, one step of depth at a time, so a helper can join it mid-way (`packedFloatProduct`). Each
// element of C is the same chain of multiply-adds whichever thread computes it and however C is
// split, so help changes no bit: only when the step ends.

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
/// help, and the one product (a `Job` of parts) offered to them at a time.
///
/// Waiting threads poll under a lock and yield the core between polls (`sched_yield`) rather
/// than sleep on a condition variable: a part of a product lasts 50 µs to a millisecond, and
/// waking a sleeping thread can take tens of microseconds on a virtual machine. Only a thread
/// with nothing of its own left to do polls.
package final class ProductHelp: @unchecked Sendable {
    /// Parts 0..<count of one product, taken in order by its owner and any helper.
    private final class Job {
        let count: Int
        let run: (Int) -> Void
        /// The next part nobody has taken, and how many parts are done.
        var next = 0, done = 0
        init(count: Int, run: @escaping (Int) -> Void) { (self.count, self.run) = (count, run) }
    }

    private let lock = NSLock()
    /// Threads that have begun their own slices and not yet finished them.
    private var working = 0
    /// Threads in `helpUntilAllFinish` waiting for a part.
    private var idle = 0
    /// The job helpers may take parts of, while it has parts left.
    private var offered: Job?
    /// Parts that helpers have run so far.
    private(set) var helpedParts = 0

    /// Whether a thread waits to help: the moment to split a product that would run whole.
    var hasIdleHelper: Bool { lock.withLock { idle > 0 && offered == nil } }

    /// Called by each thread before its own slices. (A thread that has not begun yet is not
    /// waited for: `DispatchQueue.concurrentPerform` may run the workers one after the other on
    /// a single thread, and a helper waiting for a worker queued behind it would wait forever.)
    func beginOwnWork() {
        lock.withLock { working += 1 }
    }

    /// Runs `part(0)`, ..., `part(count - 1)`, each once, on the calling thread and on any helper
    /// that takes one, and returns when all are done. The parts must write disjoint memory.
    func share(parts count: Int, _ part: (Int) -> Void) {
        if count == 1 { return part(0) }
        withoutActuallyEscaping(part) { part in
            let job = Job(count: count, run: part)
            lock.lock()
            if offered == nil { offered = job }
            while let index = take(from: job) {
                lock.unlock()
                job.run(index)
                lock.lock()
                job.done += 1
            }
            while job.done < count { yieldUnlocked() }                     // parts still on a helper
            lock.unlock()
        }
    }

    /// Called by each thread when its own slices are done: runs the parts others offer until
    /// every thread that has begun its slices has finished them.
    func helpUntilAllFinish() {
        lock.lock()
        working -= 1
        idle += 1
        while working > 0 {
            guard let job = offered, let index = take(from: job) else {
                yieldUnlocked()
                continue
            }
            idle -= 1
            lock.unlock()
            job.run(index)
            lock.lock()
            job.done += 1
            helpedParts += 1
            idle += 1
        }
        idle -= 1
        lock.unlock()
    }

    /// The next part of `job`, withdrawing the offer when it was the last; call with the lock held.
    private func take(from job: Job) -> Int? {
        guard job.next < job.count else { return nil }
        defer {
            job.next += 1
            if job.next == job.count && offered === job { offered = nil }
        }
        return job.next
    }

    /// Releases the lock, lets the core run another thread if one is ready, and takes the lock again.
    private func yieldUnlocked() {
        lock.unlock()
        sched_yield()
        lock.lock()
    }
}
