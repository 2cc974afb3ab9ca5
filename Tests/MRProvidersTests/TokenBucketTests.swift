import Testing

@testable import MRProviders

@Suite struct TokenBucketTests {
    let t0 = ContinuousClock.now

    @Test func fullBucketGrantsItsBurstThenSaysHowLongToWait() {
        var bucket = TokenBucket(capacity: 3, interval: .seconds(1))
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.take(now: t0) == .wait(.seconds(1)))
        // A refused take changes nothing: asking again gives the same answer.
        #expect(bucket.take(now: t0) == .wait(.seconds(1)))
        #expect(bucket.take(now: t0 + .milliseconds(400)) == .wait(.milliseconds(600)))
    }

    @Test func refillsOneTokenPerInterval() {
        var bucket = TokenBucket(capacity: 2, interval: .seconds(2))
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.available(at: t0) == 0)
        #expect(bucket.available(at: t0 + .seconds(1)) == 0.5)
        #expect(bucket.take(now: t0 + .seconds(2)) == .granted)
        #expect(bucket.take(now: t0 + .seconds(2)) == .wait(.seconds(2)))
        #expect(bucket.take(now: t0 + .seconds(3)) == .wait(.seconds(1)))
        #expect(bucket.take(now: t0 + .seconds(4)) == .granted)
    }

    @Test func neverHoldsMoreThanItsCapacity() {
        var bucket = TokenBucket(capacity: 2, interval: .seconds(1))
        #expect(bucket.take(now: t0) == .granted)
        // A long idle time refills to capacity, not beyond.
        let later = t0 + .seconds(100)
        #expect(bucket.available(at: later) == 2)
        #expect(bucket.take(now: later) == .granted)
        #expect(bucket.take(now: later) == .granted)
        #expect(bucket.take(now: later) == .wait(.seconds(1)))
    }

    @Test func rpmGivesTheMinuteAsBurstAndAnExactInterval() {
        var bucket = TokenBucket(rpm: 40)
        #expect(bucket.capacity == 40)
        #expect(bucket.interval == .milliseconds(1500))
        for _ in 0..<40 { #expect(bucket.take(now: t0) == .granted) }
        #expect(bucket.take(now: t0) == .wait(.milliseconds(1500)))
        #expect(bucket.take(now: t0 + .milliseconds(1499)) == .wait(.milliseconds(1)))
        #expect(bucket.take(now: t0 + .milliseconds(1500)) == .granted)
        #expect(bucket.refillPerSecond == 1 / 1.5)
    }

    @Test func aSmallerBurstCanBeChosen() {
        var bucket = TokenBucket(rpm: 60, burst: 1)
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.take(now: t0) == .wait(.seconds(1)))
    }

    @Test func rpmZeroIsUnlimited() {
        var bucket = TokenBucket(rpm: 0)
        #expect(bucket.isUnlimited)
        for _ in 0..<10_000 { #expect(bucket.take(now: t0) == .granted) }
        #expect(bucket.decision(at: t0, reserve: 5) == .granted)
        #expect(bucket.available(at: t0) == .infinity)
    }

    @Test func reserveKeepsTokensBehind() {
        var bucket = TokenBucket(capacity: 3, interval: .seconds(1))
        // With a reserve of 1 a take needs two tokens there: it gets 2 of the 3.
        #expect(bucket.take(now: t0, reserve: 1) == .granted)
        #expect(bucket.take(now: t0, reserve: 1) == .granted)
        #expect(bucket.take(now: t0, reserve: 1) == .wait(.seconds(1)))
        // Without a reserve the last token is still there.
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.take(now: t0, reserve: 1) == .wait(.seconds(2)))
        #expect(bucket.take(now: t0) == .wait(.seconds(1)))
    }

    @Test func reserveIsCappedSoABucketOfOneStillServesWhenFull() {
        var bucket = TokenBucket(capacity: 1, interval: .seconds(1))
        #expect(bucket.take(now: t0, reserve: 1) == .granted)
        #expect(bucket.take(now: t0, reserve: 1) == .wait(.seconds(1)))
        var big = TokenBucket(capacity: 2, interval: .seconds(1))
        // A reserve beyond capacity - 1 acts as capacity - 1: only a full bucket serves it.
        #expect(big.take(now: t0, reserve: 10) == .granted)
        #expect(big.take(now: t0, reserve: 10) == .wait(.seconds(1)))
    }

    @Test func decisionDoesNotTake() {
        var bucket = TokenBucket(capacity: 1, interval: .seconds(1))
        #expect(bucket.decision(at: t0) == .granted)
        #expect(bucket.decision(at: t0) == .granted)
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.decision(at: t0) == .wait(.seconds(1)))
    }

    @Test func giveBackReturnsAnUnusedToken() {
        var bucket = TokenBucket(capacity: 2, interval: .seconds(1))
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.take(now: t0) == .granted)
        bucket.giveBack(now: t0)
        #expect(bucket.take(now: t0) == .granted)
        #expect(bucket.take(now: t0) == .wait(.seconds(1)))
        // Giving back to a full bucket does not overfill it.
        let later = t0 + .seconds(10)
        bucket.giveBack(now: later)
        #expect(bucket.available(at: later) == 2)
    }

    @Test func anEarlierInstantSeesTheWholeDebt() {
        var bucket = TokenBucket(capacity: 1, interval: .seconds(1))
        #expect(bucket.take(now: t0 + .seconds(5)) == .granted)
        #expect(bucket.take(now: t0) == .wait(.seconds(6)))
    }
}
