import Dispatch
import Foundation
import Locking

/// Removes what the demo made — its child processes, its daemon, its temporary users and
/// directory — at the end, and on SIGINT, SIGTERM or SIGHUP: a demo stopped with ^C, `kill` or a
/// closed terminal must not leave Linux users behind. The users go last: userdel refuses a user
/// whose processes still run.
final class DemoCleanup: Sendable {
    private struct State {
        var cast: DemoCast?
        var daemon: DaemonProcess?
        var children: [ChildProcess] = []
        var interruptedBy: Int32?
        var done = false
        /// The cleanup was started by a signal, which ends the process when it is done.
        var bySignal = false
    }

    private let directory: URL?
    private let state = Locked(State())
    /// The signal sources live as long as the demo (set once, by `catchSignals`, before any
    /// other thread uses this object; not Sendable, so not in `state`).
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    init(directory: URL?) {
        self.directory = directory
    }

    /// From now on SIGINT, SIGTERM and SIGHUP end the demo after cleaning up (then by the signal).
    func catchSignals() {
        // A child ended by the cleanup may still be written to by the story (its stdin pipe):
        // that write must fail, not kill the demo by SIGPIPE before the users are removed.
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in interrupted(by: sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// The users to remove; a signal that came while they were being made is acted on now.
    func adopt(_ cast: DemoCast) {
        let pending = state.withLock { s in
            s.cast = cast
            return s.interruptedBy
        }
        if let pending { finish(after: pending) }
    }

    func track(_ daemon: DaemonProcess) { state.withLock { $0.daemon = daemon } }
    func track(_ child: ChildProcess) { state.withLock { $0.children.append(child) } }

    /// Shuts the daemon down, once: the story's own ending and a signal's cleanup may race.
    func stopDaemon() async {
        let daemon = state.withLock { s in
            defer { s.daemon = nil }
            return s.daemon
        }
        await daemon?.shutdown()
    }

    private func interrupted(by sig: Int32) {
        let castKnown = state.withLock { s in
            s.interruptedBy = s.interruptedBy ?? sig
            return s.cast != nil
        }
        // Before the cast is known `adopt` finishes the job (the users are being created now).
        if castKnown { finish(after: sig) }
    }

    private func finish(after sig: Int32) {
        Diagnostics.say("hivekeeper demo: stopped by \(Self.name(of: sig)); removing its processes, daemon and temporary users")
        run(bySignal: true)
        // Then end by that signal, as an uncaught one would (the shell shows 128 + signal; the
        // demo's own statuses stay 0, 1, 2). This thread blocks signals (libdispatch's do), so
        // unblock it here first; exit with 128 + signal should the signal still not end us.
        signal(sig, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, sig)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(sig)
        exit(128 + sig)
    }

    /// Ends the children (SIGKILL, reaped), shuts the daemon down (bounded), removes the users and
    /// the temporary directory. Once only. While a signal's cleanup runs, the story's own ending
    /// (its calls fail as the daemon goes) waits here for it to exit the process, rather than
    /// exiting first or removing the directory under the daemon's last flush.
    func run(bySignal: Bool = false) {
        let (work, signalCleaning) = state.withLock { s -> ((DemoCast?, DaemonProcess?, [ChildProcess])?, Bool) in
            guard !s.done else { return (nil, s.bySignal) }
            s.done = true
            s.bySignal = bySignal
            defer { s.daemon = nil }
            return ((s.cast, s.daemon, s.children), false)
        }
        guard let (cast, daemon, children) = work else {
            if signalCleaning && !bySignal { Thread.sleep(forTimeInterval: 60) }
            return
        }
        for child in children { child.stop() }
        if let daemon {
            // Flushes its hives (a kept --state directory stays consistent); bounded, as the
            // demo's own tasks may still be using it.
            let stopped = DispatchSemaphore(value: 0)
            Task.detached {
                await daemon.shutdown()
                stopped.signal()
            }
            if stopped.wait(timeout: .now() + 15) == .timedOut {
                Diagnostics.say("hivekeeper demo: the daemon did not shut down within 15 s; going on without it")
                daemon.child.stop()
            }
        }
        cast?.tearDown()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private static func name(of sig: Int32) -> String {
        switch sig {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(sig)"
        }
    }
}
