import Foundation

/// Blocking work — a store's file or network calls, a large local copy — on a thread of its own,
/// awaited: the caller's executor (the ProfileService actor, Swift's cooperative pool, whose
/// few threads every task shares) is not held while it blocks. A thread per call: a store
/// that stops answering holds its own threads, never a shared pool's.
package enum BlockingWork {
    package static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }

    package static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = name
            thread.start()
        }
    }
}
