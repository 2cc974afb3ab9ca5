import Foundation
import MRCatalog
import MRConfig
import Testing

@testable import MRNotify

/// A state change for tests.
func change(
    _ model: String = "meta/llama", to: DeploymentState = .down, from: DeploymentState = .up,
    status: DeploymentStatus = .timeout, error: String? = "no answer in 30s"
) -> DeploymentStateChange {
    DeploymentStateChange(
        model: model, provider: "nvidia", from: from, to: to, status: status, error: error, source: .probe,
        at: Date(timeIntervalSince1970: 1_700_000_000))
}

@Suite struct RetryPolicyTests {
    @Test(arguments: [
        (200, RetryPolicy.AttemptResult.delivered), (204, .delivered), (500, .transient(retryAfter: nil)),
        (503, .transient(retryAfter: nil)), (408, .transient(retryAfter: nil)), (429, .transient(retryAfter: nil)),
        (400, .permanent), (401, .permanent), (404, .permanent), (410, .permanent), (302, .permanent),
    ])
    func classifiesStatuses(_ status: Int, _ expected: RetryPolicy.AttemptResult) {
        #expect(RetryPolicy.classify(status: status, retryAfter: nil) == expected)
    }

    @Test func honoursRetryAfterSeconds() {
        #expect(RetryPolicy.classify(status: 429, retryAfter: " 7 ") == .transient(retryAfter: .seconds(7)))
        #expect(RetryPolicy.classify(status: 503, retryAfter: "soon") == .transient(retryAfter: nil))
        #expect(RetryPolicy.classify(status: 503, retryAfter: "-3") == .transient(retryAfter: nil))
    }

    @Test func backoffDoublesUpToTheCapAndStops() {
        let policy = RetryPolicy(retries: 5, initialBackoff: .seconds(1), maxBackoff: .seconds(5))
        let delays = (1...6).map { policy.delay(beforeRetry: $0, retryAfter: nil) }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5), nil])
        #expect(policy.delay(beforeRetry: 0, retryAfter: nil) == nil)
        // Retry-After lengthens a wait, within the cap; jitter adds up to half.
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(3)) == .seconds(3))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(3600)) == .seconds(5))
        #expect(policy.delay(beforeRetry: 1, retryAfter: nil, jitter: 1) == .milliseconds(1500))
        #expect(RetryPolicy(retries: 0).delay(beforeRetry: 1, retryAfter: nil) == nil)
    }
}

@Suite struct DeliveryQueueTests {
    @Test func keepsOrderAndDropsTheOldestWhenFull() async {
        let queue = DeliveryQueue<Int>(capacity: 3)
        #expect(queue.push(1) == .queued)
        #expect(queue.push(2) == .queued)
        #expect(queue.push(3) == .queued)
        #expect(queue.push(4) == .droppedOldest(dropped: 1))
        #expect(queue.push(5) == .droppedOldest(dropped: 2))
        #expect(queue.dropped == 2)
        queue.close()
        #expect(queue.push(6) == .closed)
        var drained: [Int] = []
        while let value = await queue.next() { drained.append(value) }
        #expect(drained == [3, 4, 5])
    }

    @Test func aWaitingConsumerGetsTheNextPush() async {
        let queue = DeliveryQueue<Int>(capacity: 2)
        async let first = queue.next()
        // No event says the consumer is parked; pushing before or after it parks gives the same result.
        queue.push(42)
        #expect(await first == 42)
    }

    @Test func cancellingTheConsumerEndsItsWait() async {
        let queue = DeliveryQueue<Int>(capacity: 2)
        let consumer = Task { await queue.next() }
        consumer.cancel()
        #expect(await consumer.value == nil)
    }

    @Test func closeWakesAWaitingConsumer() async {
        let queue = DeliveryQueue<Int>(capacity: 2)
        let consumer = Task { await queue.next() }
        queue.close()
        #expect(await consumer.value == nil)
    }
}

@Suite struct NotificationMessageTests {
    @Test func jsonBodyCarriesEveryField() throws {
        let body = NotificationMessage.body(for: change(), format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(object["event"] as? String == "deployment_state_changed")
        #expect(object["model"] as? String == "meta/llama")
        #expect(object["provider"] as? String == "nvidia")
        #expect(object["from"] as? String == "up")
        #expect(object["to"] as? String == "down")
        #expect(object["status"] as? String == "timeout")
        #expect(object["error"] as? String == "no answer in 30s")
        #expect(object["source"] as? String == "probe")
        #expect(object["at"] as? String == "2023-11-14T22:13:20Z")

        let recovered = NotificationMessage.body(
            for: change(to: .up, from: .down, status: .ok, error: nil), format: .json)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(recovered)) as? [String: Any])
        #expect(second["error"] is NSNull)
    }

    @Test func slackBodyIsOneEscapedTextField() throws {
        let body = NotificationMessage.body(for: change("a/<b>&c", error: "<script>"), format: .slack)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: String])
        #expect(object.keys.sorted() == ["text"])
        let text = try #require(object["text"])
        #expect(text.hasPrefix(":red_circle: *a/&lt;b&gt;&amp;c* at *nvidia* is DOWN (was up; last result: timeout"))
        #expect(text.contains("&lt;script&gt;"))
        #expect(!text.contains("<"))
    }

    @Test func longErrorsAreCut() {
        let text = NotificationMessage.slackText(for: change(error: String(repeating: "x", count: 5000)))
        #expect(text.count < 700)
    }
}
