import MRCommon
import MRHTTPClient
import MRTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The client's driver threads as event loops: tasks that prefer one run there, and their transfers stay on it.
@Suite struct HTTPClientEventLoopTests {
    @Test func aTransferStartedOnALoopStaysOnIt() async throws {
        let server = try ScriptedTCPServer.answering { _ in ScriptedResponse(body: "on the loop") }
        defer { server.stop() }
        let client = HTTPClient(loops: 3)
        defer { client.shutdown() }
        #expect(client.eventLoops.count == 3)
        for loop in client.eventLoops {
            let seen = try await Task(executorPreference: loop) { () throws -> [Bool] in
                var seen = [loop.isCurrent]
                let response = try await client.execute(HTTPClientRequest(url: server.baseURL + "/x"))
                seen.append(loop.isCurrent)
                let body = try await response.body.collect(upTo: 1024)
                seen.append(loop.isCurrent && body == Array("on the loop".utf8))
                return seen
            }.value
            #expect(seen == [true, true, true])
        }
        // Off the loops, calls are spread over them and still complete.
        for _ in 0..<6 {
            let response = try await client.execute(HTTPClientRequest(url: server.baseURL + "/y"))
            #expect(try await response.body.collect(upTo: 1024) == Array("on the loop".utf8))
        }
        #expect(!client.eventLoops.contains { $0.isCurrent })
    }

    @Test func requestedRunsReachAnAttachedSource() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let loop = client.eventLoops[0]
        let source = CountingSource(loop: loop)
        loop.attach(source)
        // Its descriptor never becomes readable: only `requestRun` makes the loop call it, from here or the loop.
        loop.requestRun()
        #expect(await eventually { source.runs.load(ordering: .relaxed) >= 1 })
        let before = source.runs.load(ordering: .relaxed)
        await Task(executorPreference: loop) { loop.requestRun() }.value
        #expect(await eventually { source.runs.load(ordering: .relaxed) > before })
        #expect(source.ranOffTheLoop.load(ordering: .relaxed) == false)
        await loop.detach(source)
        let detachedAt = source.runs.load(ordering: .relaxed)
        loop.requestRun()
        // One more turn of the loop: a job queued after the request runs after it.
        await Task(executorPreference: loop) {}.value
        #expect(source.runs.load(ordering: .relaxed) == detachedAt)
    }

    @Test func jobsStillRunAfterShutdown() async throws {
        let client = HTTPClient()
        let loop = client.eventLoops[0]
        client.shutdown()
        // The thread is gone: the job is handed to the global executor instead of being lost.
        let ran = await Task(executorPreference: loop) { true }.value
        #expect(ran)
    }
}

/// A source whose descriptor (the read end of a pipe nobody writes) never becomes readable.
private final class CountingSource: EventLoopSource, @unchecked Sendable {
    // @unchecked: everything is immutable or atomic.
    let runs = Atomic<Int>(0)
    let ranOffTheLoop = Atomic<Bool>(false)
    let descriptor: Int32
    private let writeEnd: Int32
    private let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        descriptor = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(descriptor)
        close(writeEnd)
    }

    func timeout() -> Duration? { nil }

    func run() {
        if !loop.isCurrent { ranOffTheLoop.store(true, ordering: .relaxed) }
        runs.add(1, ordering: .relaxed)
    }
}
