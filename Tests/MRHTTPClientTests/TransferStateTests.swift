import Testing

@testable import MRHTTPClient

/// The transfer state machine as a plain value, event by event (no curl, no threads).
@Suite struct TransferStateTests {
    private let start = ContinuousClock.now

    private func headerLine(_ state: inout TransferState, _ line: String, at offset: Duration = .zero) -> Bool {
        Array(line.utf8).withUnsafeBytes { state.receivedHeaderLine($0, at: start + offset).accept }
    }

    private func body(_ state: inout TransferState, count: Int, at offset: Duration = .zero)
        -> TransferState.WriteDecision
    {
        Array(repeating: UInt8(7), count: count).withUnsafeBytes { state.receivedBody($0, at: start + offset).0 }
    }

    private func started(_ timeouts: HTTPClientTimeouts, highWaterMark: Int = 100) -> TransferState {
        var state = TransferState(timeouts: timeouts, highWaterMark: highWaterMark)
        state.started(at: start)
        return state
    }

    private func withHead(_ timeouts: HTTPClientTimeouts = .init(), highWaterMark: Int = 100) -> TransferState {
        var state = started(timeouts, highWaterMark: highWaterMark)
        for line in ["HTTP/1.1 200 OK\r\n", "Content-Type: text/plain\r\n", "\r\n"] {
            _ = headerLine(&state, line)
        }
        return state
    }

    @Test func parsesHeadSkippingInterimResponsesAndIgnoringTrailers() throws {
        var state = started(.init())
        for line in ["HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 503 Service Unavailable\r\n"] {
            #expect(headerLine(&state, line))
        }
        #expect(state.head == nil)
        #expect(headerLine(&state, "Retry-After:  7 \r\n"))
        #expect(headerLine(&state, "X-Multi: a\r\n"))
        #expect(headerLine(&state, "x-multi: b\r\n"))
        #expect(headerLine(&state, "\r\n"))
        let head = try #require(state.head)
        #expect(head.status == 503)
        #expect(head.headers.first("retry-after") == "7")
        #expect(head.headers["X-MULTI"] == ["a", "b"])
        #expect(headerLine(&state, "X-Trailer: t\r\n"))
        #expect(state.head?.headers.count == 3)
    }

    @Test(arguments: [
        "HTTP/1.1 abc\r\n", "HTTP/1.1 20\r\n", "HTTP/1.1 2000 OK\r\n", "HTTP/1.1 099 X\r\n", "HTTP/1.1\r\n",
    ])
    func rejectsAMalformedStatusLine(_ line: String) {
        var state = started(.init())
        #expect(!headerLine(&state, line))
    }

    @Test func readsStatusLinesWithoutReasonAndTrimsFieldWhitespace() throws {
        var state = started(.init())
        #expect(headerLine(&state, "HTTP/2  204\r\n"))
        #expect(headerLine(&state, "\tX-Tabbed\t:\t v \t\r\n"))
        #expect(headerLine(&state, "X-Empty:\r\n"))
        #expect(headerLine(&state, "no colon here\r\n"))
        #expect(headerLine(&state, "\n"))
        let head = try #require(state.head)
        #expect(head.status == 204)
        #expect(head.headers.first("x-tabbed") == "v")
        #expect(head.headers.first("X-Empty") == "")
        #expect(head.headers.count == 2)
    }

    @Test func pausesPastTheHighWaterMarkAndAsksToResumeOnceDrained() {
        var state = withHead(highWaterMark: 100)
        #expect(body(&state, count: 60) == .accept)
        #expect(body(&state, count: 60) == .accept)
        #expect(state.bufferedBytes == 120)
        #expect(body(&state, count: 60) == .pause)
        #expect(state.paused && state.pauseCount == 1)
        #expect(state.bufferedBytes == 120)
        guard case .chunk(let data, let resumeTransfer) = state.nextChunk() else {
            Issue.record("expected buffered data")
            return
        }
        #expect(data.count == 120)
        #expect(resumeTransfer)
        let resumed = state.willResume(at: start)
        #expect(resumed)
        #expect(!state.paused)
        #expect(state.maxBufferedBytes == 120)
    }

    @Test func failureComesAfterTheBufferedBytes() {
        var state = withHead()
        #expect(body(&state, count: 10) == .accept)
        #expect(state.finished(.failure(.connectionClosed)).isEmpty)
        guard case .chunk(let data, _) = state.nextChunk() else {
            Issue.record("expected the buffered bytes first")
            return
        }
        #expect(data.count == 10)
        guard case .failure(let error) = state.nextChunk() else {
            Issue.record("expected the failure")
            return
        }
        #expect(error == .connectionClosed)
        #expect(body(&state, count: 1) == .abort)
    }

    @Test func cancellationDropsBufferedBytesAndAsksForAnAbortOnce() {
        var state = withHead()
        #expect(body(&state, count: 10) == .accept)
        #expect(state.cancel(.cancelled).abort)
        #expect(!state.cancel(.cancelled).abort)
        guard case .failure(let error) = state.nextChunk() else {
            Issue.record("expected the cancellation")
            return
        }
        #expect(error == .cancelled)
        #expect(state.finished(.success(())).isEmpty)
    }

    @Test func successWithoutHeadIsInvalidResponse() {
        var state = started(.init())
        _ = state.finished(.success(()))
        guard case .failure(let error) = state.nextChunk() else {
            Issue.record("expected a failure")
            return
        }
        #expect(error == .invalidResponse)
    }

    @Test func firstByteDeadlineAppliesUntilTheHead() {
        var state = started(.init(firstByte: .milliseconds(300), idle: .milliseconds(100)))
        // A head could come any moment and start the 100 ms idle clock: look again by then at the latest.
        #expect(state.checkDeadlines(at: start + .milliseconds(100)).next == start + .milliseconds(200))
        #expect(state.checkDeadlines(at: start + .milliseconds(250)).next == start + .milliseconds(300))
        #expect(state.checkDeadlines(at: start + .milliseconds(300)).expired == .firstByteTimeout)
        state = withHead(.init(firstByte: .milliseconds(300)))
        #expect(state.checkDeadlines(at: start + .seconds(10)).expired == nil)
    }

    @Test func firstEventDeadlineAppliesUntilTheConsumerMarksIt() {
        var state = withHead(.init(firstEvent: .milliseconds(300)))
        // The head and body bytes do not end it: only the consumer knows when an event came.
        #expect(body(&state, count: 5, at: .milliseconds(50)) == .accept)
        #expect(state.checkDeadlines(at: start + .milliseconds(100)).next == start + .milliseconds(300))
        #expect(state.checkDeadlines(at: start + .milliseconds(300)).expired == .firstByteTimeout)
        state = withHead(.init(firstEvent: .milliseconds(300)))
        state.markFirstEvent(at: start)
        let later = state.checkDeadlines(at: start + .seconds(10))
        #expect(later.expired == nil && later.next == nil)
    }

    @Test func idleLimitWaitsForTheFirstEventWhenOneIsAwaited() {
        var state = withHead(.init(idle: .milliseconds(100), firstEvent: .seconds(30)))
        // A head at once, a keep-alive comment, then a model that thinks for 10 s: slow to start, not stalled.
        #expect(body(&state, count: 5, at: .milliseconds(50)) == .accept)
        let thinking = state.checkDeadlines(at: start + .seconds(10))
        #expect(thinking.expired == nil)
        // The idle limit may start to run any time from now: the driver must look again within it.
        #expect(thinking.next == start + .seconds(10) + .milliseconds(100))
        // The first token, then silence: the idle clock runs from the token.
        state.markFirstEvent(at: start + .seconds(10))
        #expect(state.checkDeadlines(at: start + .seconds(10) + .milliseconds(99)).expired == nil)
        #expect(state.checkDeadlines(at: start + .seconds(10) + .milliseconds(100)).expired == .idleTimeout)
    }

    @Test func idleDeadlineFollowsActivityAndSleepsWhilePaused() {
        var state = withHead(.init(idle: .milliseconds(100)), highWaterMark: 10)
        #expect(body(&state, count: 20, at: .milliseconds(50)) == .accept)
        #expect(state.checkDeadlines(at: start + .milliseconds(100)).next == start + .milliseconds(150))
        #expect(state.checkDeadlines(at: start + .milliseconds(150)).expired == .idleTimeout)
        #expect(body(&state, count: 5, at: .milliseconds(60)) == .pause)
        // Paused because the consumer lags: the server is not idle.
        #expect(state.checkDeadlines(at: start + .seconds(5)).expired == nil)
        _ = state.nextChunk()
        let resumed = state.willResume(at: start + .seconds(5))
        #expect(resumed)
        #expect(state.checkDeadlines(at: start + .seconds(5) + .milliseconds(99)).expired == nil)
        #expect(state.checkDeadlines(at: start + .seconds(5) + .milliseconds(100)).expired == .idleTimeout)
    }
}
