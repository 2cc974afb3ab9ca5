import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Waits for SIGTERM or SIGINT without letting either kill the process, so shutdown can be graceful.
public enum SignalWaiter {
    /// Returns the name of the first of SIGTERM / SIGINT to arrive.
    public static func wait() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let queue = DispatchQueue(label: "modelrouter.signals")
            let box = SourceBox()
            for (signalNumber, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler {
                    guard box.fire() else { return }
                    for source in box.sources { source.cancel() }
                    continuation.resume(returning: name)
                }
                box.sources.append(source)
                source.resume()
            }
        }
    }

    private final class SourceBox: @unchecked Sendable {
        // @unchecked: only touched on the one serial signal queue (and before its sources start).
        var sources: [any DispatchSourceSignal] = []
        private var fired = false
        func fire() -> Bool {
            if fired { return false }
            fired = true
            return true
        }
    }
}
