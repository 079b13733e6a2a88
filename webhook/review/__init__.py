"""The moderators' review queue: sign-in, queues, decisions, audit log, dashboard (server-rendered)."""
