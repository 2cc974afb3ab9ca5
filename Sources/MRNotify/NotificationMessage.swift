import MRCatalog
import MRConfig

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The body POSTed for one state change, in a webhook's format.
///
/// `json` is ModelRouter's own object:
/// `{"event": "deployment_state_changed", "model", "provider", "from", "to", "status", "error", "source", "at"}`;
/// `slack` is `{"text": "…"}`, the shape Slack-compatible incoming webhooks take.
public enum NotificationMessage {
    /// The event name in `json` bodies.
    public static let event = "deployment_state_changed"
    /// Upstream error texts are cut to this many characters: a message is a notice, not a log dump.
    static let maxErrorLength = 500

    /// The UTF-8 JSON body for `change` in `format`.
    public static func body(for change: DeploymentStateChange, format: WebhookConfig.Format) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch format {
        case .json: data = try? encoder.encode(JSONBody(change))
        case .slack: data = try? encoder.encode(SlackBody(text: slackText(for: change)))
        }
        // Encoding plain strings cannot fail; an empty object is still valid JSON if it ever did.
        return data.map { Array($0) } ?? Array("{}".utf8)
    }

    /// The one-line human text of a Slack body.
    public static func slackText(for change: DeploymentStateChange) -> String {
        let icon =
            switch change.to {
            case .down: ":red_circle:"
            case .up: ":large_green_circle:"
            case .unknown: ":white_circle:"
            }
        var text =
            "\(icon) *\(escaped(change.model))* at *\(escaped(change.provider))* is \(change.to.rawValue.uppercased())"
            + " (was \(change.from.rawValue); last result: \(change.status.rawValue)"
        if let error = change.error.map(truncated), !error.isEmpty { text += ": \(escaped(error))" }
        text += ") at \(change.at.formatted(.iso8601)), seen by \(change.source.rawValue)"
        return text
    }

    /// Slack's control characters in text: `&`, `<` and `>` must be entities, or `<…>` reads as a link.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.append(character)
            }
        }
        return result
    }

    static func truncated(_ text: String) -> String {
        text.count <= maxErrorLength ? text : String(text.prefix(maxErrorLength)) + "…"
    }

    private struct JSONBody: Encodable {
        let event = NotificationMessage.event
        let model: String
        let provider: String
        let from: String
        let to: String
        let status: String
        let error: String?
        let source: String
        let at: String

        init(_ change: DeploymentStateChange) {
            model = change.model
            provider = change.provider
            from = change.from.rawValue
            to = change.to.rawValue
            status = change.status.rawValue
            error = change.error.map(NotificationMessage.truncated)
            source = change.source.rawValue
            at = change.at.formatted(.iso8601)
        }

        enum CodingKeys: String, CodingKey {
            case event, model, provider, from, to, status, error, source, at
        }

        // Written by hand so a missing error is `null` rather than an absent key: receivers see one shape.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(event, forKey: .event)
            try container.encode(model, forKey: .model)
            try container.encode(provider, forKey: .provider)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
            try container.encode(status, forKey: .status)
            try container.encode(error, forKey: .error)
            try container.encode(source, forKey: .source)
            try container.encode(at, forKey: .at)
        }
    }

    private struct SlackBody: Encodable {
        let text: String
    }
}
