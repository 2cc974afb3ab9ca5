// State-change notifications to webhooks (issue 6).
