// Routing: candidate choice, circuit breaker, fallback and the chat service (issue 5).
