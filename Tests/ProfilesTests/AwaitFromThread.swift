import Foundation

/// Waits, on a thread of the test's own (never a Swift task's: that would hold one of the
/// cooperative pool's few threads), for an async call — a store's — to finish.
func awaitFromThread<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let result = ResultBox<T>()
    Task {
        let r: Result<T, any Error>
        do {
            r = .success(try await body())
        } catch {
            r = .failure(error)
        }
        result.set(r)
        done.signal()
    }
    done.wait()
    return try result.get()
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {  // written once before the semaphore's signal, read after its wait
    private var value: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { value = r }
    func get() throws -> T {
        guard let value else { throw CancellationError() }
        return try value.get()
    }
}
